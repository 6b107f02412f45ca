/*
 * The ceiling over `pool_cpu_speedup`: how much faster two processes on this machine finish
 * the same CPU-bound work than one process alone, with no pool, no messages and no parent
 * work in the way.
 *
 *     cc -O2 -o /tmp/speedup bench/floor/speedup.c && /tmp/speedup
 *
 * The work is the benchmark's: 64 tasks, each counting the primes below 60,000 by trial
 * division. Each round runs them serially in this process, then forks two children that run
 * 32 each, and waits for both. It prints every round, then the best serial time over the
 * best parallel time, as `weave bench pool` compares them.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { tasks = 64, limit = 60000, rounds = 8 };

static volatile long sink;

static long count_primes(long below) {
    long count = 0;
    for (long candidate = 2; candidate < below; candidate++) {
        int prime = 1;
        for (long divisor = 2; divisor * divisor <= candidate; divisor++) {
            if (candidate % divisor == 0) {
                prime = 0;
                break;
            }
        }
        count += prime;
    }
    return count;
}

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

int main(void) {
    double best_serial = 1e9, best_parallel = 1e9;
    for (int round = 0; round < rounds; round++) {
        double start = seconds();
        for (int task = 0; task < tasks; task++) sink += count_primes(limit);
        double serial = seconds() - start;

        start = seconds();
        for (int child = 0; child < 2; child++) {
            pid_t pid = fork();
            if (pid < 0) {
                perror("fork");
                return 1;
            }
            if (pid == 0) {
                for (int task = 0; task < tasks / 2; task++) sink += count_primes(limit);
                _exit(0);
            }
        }
        while (wait(NULL) > 0) {}
        double parallel = seconds() - start;

        printf("serial %.1f ms, parallel %.1f ms, speed-up %.3f\n", serial * 1e3, parallel * 1e3, serial / parallel);
        if (serial < best_serial) best_serial = serial;
        if (parallel < best_parallel) best_parallel = parallel;
    }
    printf("best serial over best parallel: %.3f\n", best_serial / best_parallel);
    return 0;
}
