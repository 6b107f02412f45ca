// The echo load client of Weave's networking benchmarks (bench/net-compare).
//
//	echo-load -addr 127.0.0.1:P [-conns N] [-size B] [-duration S] [-warmup S]
//
// Opens N connections; on each, one goroutine sends B bytes, reads the B bytes echoed
// back, checks them and repeats (ping-pong: one message in flight per connection). After
// the warm-up it counts the round trips completed in the measured seconds and prints
// one JSON object on stdout:
//
//	{"round_trips_per_s": 123456.7, "round_trips": 370370, "seconds": 3.0, "conns": 100, "size": 64}
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"
)

// counter is one connection's round trips, on a cache line of its own.
type counter struct {
	n int64
	_ [56]byte
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "server address")
	conns := flag.Int("conns", 1, "connections, each with one message in flight")
	size := flag.Int("size", 64, "message size in bytes")
	duration := flag.Float64("duration", 3, "measured seconds")
	warmup := flag.Float64("warmup", 0.5, "seconds of load before measuring")
	flag.Parse()
	if *conns < 1 || *size < 1 || *duration <= 0 || *warmup < 0 {
		fmt.Fprintln(os.Stderr, "echo-load: -conns and -size must be 1 or more, -duration positive")
		os.Exit(2)
	}

	connections := make([]net.Conn, *conns)
	for i := range connections {
		conn, err := net.Dial("tcp", *addr)
		if err != nil {
			fail("connect", err)
		}
		connections[i] = conn
	}
	counts := make([]counter, *conns)
	var stop int32
	for i, conn := range connections {
		go pingPong(conn, *size, &counts[i].n, &stop)
	}

	sleepSeconds(*warmup)
	before, start := total(counts), time.Now()
	sleepSeconds(*duration)
	after, elapsed := total(counts), time.Since(start).Seconds()
	atomic.StoreInt32(&stop, 1)

	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"round_trips_per_s": float64(after-before) / elapsed,
		"round_trips":       after - before,
		"seconds":           elapsed,
		"conns":             *conns,
		"size":              *size,
	})
}

// pingPong sends a message and reads its echo until stop is set, counting round trips.
func pingPong(conn net.Conn, size int, count *int64, stop *int32) {
	message := bytes.Repeat([]byte{'x'}, size)
	reply := make([]byte, size)
	for atomic.LoadInt32(stop) == 0 {
		if _, err := conn.Write(message); err != nil {
			fail("write", err)
		}
		if _, err := io.ReadFull(conn, reply); err != nil {
			fail("read", err)
		}
		if !bytes.Equal(message, reply) {
			fail("check", fmt.Errorf("the echo differs from the message sent"))
		}
		atomic.AddInt64(count, 1)
	}
}

func total(counts []counter) int64 {
	var sum int64
	for i := range counts {
		sum += atomic.LoadInt64(&counts[i].n)
	}
	return sum
}

func sleepSeconds(s float64) {
	time.Sleep(time.Duration(s * float64(time.Second)))
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "echo-load: %s: %v\n", what, err)
	os.Exit(1)
}
