/*
 * kinds.c: the kinds of message users choose channels for, and the registry of channels
 * (channel.h): the built-in ones and those registered at start-up.
 */
#include "notify/notify_internal.h"

#include "base/log.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

const struct msg_kind_def msg_kinds[MSG__COUNT] = {
    [MSG_REMINDER] = {"reminder", "到期提醒（催办）", "inbox,email"},
    [MSG_PRESS] = {"press", "逾期督办", "inbox,email,sms"},
    [MSG_NOTICE] = {"notice", "书面催办通知", "inbox,email,sms"},
    [MSG_REPORT] = {"report", "逾期报告主要领导", "inbox,email,sms"},
    [MSG_SYSTEM] = {"system", "系统通知", "inbox,email"},
    [MSG_ASSIGNMENT] = {"assignment", "督办通知（新交办事项）", "inbox,email"},
    [MSG_TODO] = {"todo", "待办提醒（轮到您办理）", "inbox,email"},
    [MSG_RESULT] = {"result", "办理结果（审核、延期、等次）", "inbox,email"},
};

const char *msg_kind_name(enum msg_kind k)
{
    return (unsigned)k < MSG__COUNT ? msg_kinds[k].name : "?";
}

bool msg_kind_parse(const char *s, enum msg_kind *out)
{
    for (int i = 0; s && i < MSG__COUNT; i++)
        if (!strcmp(s, msg_kinds[i].name)) {
            *out = (enum msg_kind)i;
            return true;
        }
    return false;
}

bool notify_has_channel(const char *list, const char *ch)
{
    size_t n = strlen(ch);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncmp(p, ch, n))
            return true;
        p = e ? e + 1 : p + len;
    }
    return false;
}

#define CHANNELS_MAX 16
static const struct notify_channel *channels[CHANNELS_MAX] = {&notify_inbox_channel, &notify_smtp_channel,
                                                              &notify_sms_channel};
static int nchannels = 3;

void notify_register_channel(const struct notify_channel *ch)
{
    for (int i = 0; i < nchannels; i++)
        if (!strcmp(channels[i]->name, ch->name)) {
            channels[i] = ch;
            return;
        }
    if (nchannels == CHANNELS_MAX) {
        log_error("bug: more than %d notification channels registered", CHANNELS_MAX);
        abort();
    }
    channels[nchannels++] = ch;
}

const struct notify_channel *notify_channel(const char *name)
{
    for (int i = 0; name && i < nchannels; i++)
        if (!strcmp(channels[i]->name, name))
            return channels[i];
    return NULL;
}

const struct notify_channel *const *notify_channels(int *n)
{
    *n = nchannels;
    return channels;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void notify_curl_init(void)
{
    pthread_once(&curl_once, curl_init);
}
