/*
 * libFuzzer target: multipart uploads, through the real HTTP server (libmicrohttpd, its post processor
 * and server.c's spooling) on a loopback port. An input is BOUNDARY LF BODY: sent as
 * POST /api/v1/items/1/attachments with Content-Type multipart/form-data; boundary=BOUNDARY by the office
 * of 古城县 (bearer token), and the whole answer is read. Build and run: make fuzz.
 */
#include "fuzz_world.h"

#include "http/http.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int port;

static void start(struct fuzz_world *w)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(s, (struct sockaddr *)&sa, &len) != 0)
        abort();
    port = ntohs(sa.sin_port);
    close(s);
    char listen[32], err[256];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    conf_set(&w->app.cfg, "listen", listen, err, sizeof err);
    conf_set(&w->app.cfg, "upload_limit", "65536", err, sizeof err);
    if (!http_start(&w->app, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_world *w = fuzz_world();
    if (!port)
        start(w);
    const uint8_t *nl = memchr(data, '\n', size);
    size_t blen = nl ? (size_t)(nl - data) : 0;
    if (!nl || blen > 200 || memchr(data, '\r', blen) || memchr(data, 0, blen))
        return 0;
    const char *body = (const char *)nl + 1;
    size_t n = size - blen - 1;
    char head[1024];
    int hl = snprintf(head, sizeof head,
                      "POST /api/v1/items/1/attachments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Authorization: Bearer %s\r\nContent-Type: multipart/form-data; boundary=%.*s\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      w->office_token, (int)blen, (const char *)data, n);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
        abort(); /* the server is gone: a crash in it */
    if (send(s, head, (size_t)hl, MSG_NOSIGNAL) == hl)
        send(s, body, n, MSG_NOSIGNAL);
    char buf[4096];
    while (recv(s, buf, sizeof buf, 0) > 0)
        ;
    close(s);
    return 0;
}
