/*
 * The floor under a pool's apply round trip: how long two processes on this machine take
 * to pass 16 bytes there and back, with nothing else in the way.
 *
 *     cc -O2 -o /tmp/pingpong bench/floor/pingpong.c && /tmp/pingpong
 *
 * A parent writes 16 bytes, a forked child reads them and writes them back, the parent
 * reads them. Each line is the best of 40 rounds of 2,000 round trips (best, so that other
 * load on the machine shows less), in microseconds per round trip:
 *   - pipe: two pipes, blocking read and write;
 *   - socketpair: one AF_UNIX stream socket pair, as a pool's workers use;
 *   - socketpair, poll 5 fds: the parent polls before it reads, over the descriptors a
 *     2-worker pool's round polls (two sockets, two process descriptors, a wake-up pipe).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kind_pipe, kind_socket, kind_socket_poll };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double best_round_trip(int kind, int rounds, int iterations) {
    int up[2], down[2];
    if (kind == kind_pipe) {
        if (pipe(up) || pipe(down)) { perror("pipe"); exit(1); }
    } else {
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair)) { perror("socketpair"); exit(1); }
        up[0] = pair[0]; up[1] = pair[1]; down[0] = pair[1]; down[1] = pair[0];
    }
    char buffer[16] = {0};
    pid_t child = fork();
    if (child < 0) { perror("fork"); exit(1); }
    if (child == 0) {
        for (;;) {
            ssize_t n = read(down[0], buffer, sizeof buffer);
            if (n <= 0 || write(up[1], buffer, n) != n) _exit(0);
        }
    }
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    int idle[2], wake[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, idle) || pipe(wake)) { perror("socketpair"); exit(1); }
    struct pollfd entries[5] = {
        {up[0], POLLIN, 0}, {pidfd, POLLIN, 0}, {idle[0], POLLIN, 0}, {pidfd, POLLIN, 0}, {wake[0], POLLIN, 0},
    };
    double best = 1e9;
    for (int round = 0; round < rounds; round++) {
        double start = now();
        for (int i = 0; i < iterations; i++) {
            if (write(down[1], buffer, sizeof buffer) != sizeof buffer) { perror("write"); exit(1); }
            if (kind == kind_socket_poll && poll(entries, 5, -1) < 1) { perror("poll"); exit(1); }
            if (read(up[0], buffer, sizeof buffer) != sizeof buffer) { perror("read"); exit(1); }
        }
        double each = (now() - start) / iterations;
        if (each < best) best = each;
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    close(up[0]); close(up[1]); close(idle[0]); close(idle[1]); close(wake[0]); close(wake[1]); close(pidfd);
    if (kind == kind_pipe) { close(down[0]); close(down[1]); }
    return best * 1e6;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("pipe                    %.1f us\n", best_round_trip(kind_pipe, 40, 2000));
    printf("socketpair              %.1f us\n", best_round_trip(kind_socket, 40, 2000));
    printf("socketpair, poll 5 fds  %.1f us\n", best_round_trip(kind_socket_poll, 40, 2000));
    return 0;
}
