/* main.c: ducha, 政府督查督办管理系统: one binary, many subcommands (see src/cli). */
#include "cli/cli.h"

#include <sodium.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("ducha: libsodium failed to initialise\n", stderr);
        return 1;
    }
    return cli_main(argc, argv);
}
