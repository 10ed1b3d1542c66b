/*
 * Your HTTP server, built stage by stage.
 *
 * Stage 1 is a TCP echo server. Its card, stages/01-echo.md in the
 * workbook, says what to build and lists every check the tester runs; the
 * chapter, docs/01-echo.md, explains why, with a section on each system
 * call below. This file already listens; the TODOs are yours.
 */
#define _POSIX_C_SOURCE 200809L

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Where to serve files from: the tester passes --directory from stage 4 on. */
static const char *directory;
/* How long a request head may take to arrive (stage 2's header timeout),
 * such as "3s": the tester passes --header-timeout from stage 6 on. */
static const char *header_timeout;

static void parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--directory") == 0 && i + 1 < argc) {
            directory = argv[++i];
        } else if (strcmp(argv[i], "--header-timeout") == 0 && i + 1 < argc) {
            header_timeout = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--directory DIR] [--header-timeout DURATION]\n", argv[0]);
            exit(2);
        }
    }
}

/* listen_on returns a socket listening on every IPv4 address at port. */
static int listen_on(int port) {
    int ln = socket(AF_INET, SOCK_STREAM, 0);
    if (ln < 0) {
        perror("socket");
        exit(1);
    }
    /* Lets a restarted server bind the port again at once (chapter: "SO_REUSEADDR"). */
    int one = 1;
    setsockopt(ln, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(port);
    if (bind(ln, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("bind");
        exit(1);
    }
    if (listen(ln, SOMAXCONN) < 0) {
        perror("listen");
        exit(1);
    }
    return ln;
}

int main(int argc, char **argv) {
    /* Unbuffered output: your printf lines show up next to the tester's. */
    setvbuf(stdout, NULL, _IONBF, 0);
    parse_args(argc, argv);
    const char *port = getenv("PORT");
    if (port == NULL || *port == '\0') {
        port = "4221";
    }

    int ln = listen_on(atoi(port));
    printf("listening on port %s\n", port);
    for (;;) {
        int fd = accept(ln, NULL, NULL);
        if (fd < 0) {
            perror("accept");
            continue;
        }
        printf("accepted a connection\n");
        /*
         * TODO stage 1 (card: "What to build"): serve each connection
         * concurrently, so that a client that stays connected does not stop
         * the next one from being served: a thread per connection
         * (pthread_create) or fork() both work (chapter: "What a C server
         * does instead").
         *
         * TODO stage 1 (card: "What to build", then "Hints"): echo. read()
         * returns whatever has arrived; write back exactly those n bytes
         * (write may write fewer: loop), and repeat until read returns 0
         * (the client closed its side). Then close(fd). Retry on EINTR
         * (chapter: "EINTR and EAGAIN").
         *
         * TODO stage 1 (card: "What to build"): a client that disconnects in
         * the middle of an echo makes write raise SIGPIPE, which kills the
         * server (chapter: "SIGPIPE").
         */
        close(fd);
    }
}
