// Go peer for the Weave benchmark suites `greenlet` and `hub`.
//
//	go-peer greenlet | hub      prints the suite's JSON object on stdout
//	go-peer --list-suites       prints the suites this peer runs
//	go-peer --child parked N    internal: one memory workload in a fresh process
//	go-peer --child sleepers N  internal: likewise
//
// Runs with GOMAXPROCS=1 (one OS thread running Go code, like one hub thread) unless
// the GOMAXPROCS environment variable says otherwise.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type result struct {
	Name          string  `json:"name"`
	Value         float64 `json:"value"`
	Unit          string  `json:"unit"`
	LowerIsBetter bool    `json:"lower_is_better"`
}

type report struct {
	Suite   string   `json:"suite"`
	Peer    string   `json:"peer"`
	Results []result `json:"results"`
}

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// bestNsPerOp calibrates n so one round of run(n) takes about 200 ms (the calibration is
// the warm-up), then returns the best ns per operation over five rounds.
func bestNsPerOp(opsPerN int, run func(n int) time.Duration) float64 {
	n := 256
	var elapsed time.Duration
	for {
		elapsed = run(n)
		if elapsed >= 30*time.Millisecond {
			break
		}
		n *= 4
	}
	n = int(float64(n) * float64(200*time.Millisecond) / float64(elapsed))
	if n < 1 {
		n = 1
	}
	best := time.Duration(1<<63 - 1)
	for i := 0; i < 5; i++ {
		if d := run(n); d < best {
			best = d
		}
	}
	return float64(best.Nanoseconds()) / float64(n*opsPerN)
}

func peakRSSMB() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

// ---- greenlet suite ----

// Two goroutines each call Gosched n times: 2n switches.
func benchGosched(n int) time.Duration {
	var wg sync.WaitGroup
	wg.Add(2)
	worker := func() {
		for i := 0; i < n; i++ {
			runtime.Gosched()
		}
		wg.Done()
	}
	start := time.Now()
	go worker()
	go worker()
	wg.Wait()
	return time.Since(start)
}

// n round trips over two unbuffered channels.
func benchChannelPingPong(n int) time.Duration {
	a, b := make(chan int), make(chan int)
	go func() {
		for v := range a {
			b <- v
		}
	}()
	start := time.Now()
	for i := 0; i < n; i++ {
		a <- i
		<-b
	}
	d := time.Since(start)
	close(a)
	return d
}

func benchCreateSwitchFinish(n int) time.Duration {
	done := make(chan struct{})
	start := time.Now()
	for i := 0; i < n; i++ {
		go func() { done <- struct{}{} }()
		<-done
	}
	return time.Since(start)
}

// n goroutines that start and block; creation = spawn until every one has started.
func childParked(n int) map[string]float64 {
	var started sync.WaitGroup
	block := make(chan struct{})
	started.Add(n)
	start := time.Now()
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-block
		}()
	}
	started.Wait()
	created := time.Since(start)
	return map[string]float64{"create_ms": float64(created.Nanoseconds()) / 1e6, "rss_mb": peakRSSMB()}
}

// ---- hub suite ----

func benchSpawnJoin(n int) time.Duration {
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
		wg.Wait()
	}
	return time.Since(start)
}

func benchSpawnJoinBatch(n int) time.Duration {
	var wg sync.WaitGroup
	start := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() { wg.Done() }()
	}
	wg.Wait()
	return time.Since(start)
}

func timerP99LateMs(count int, maxDelay time.Duration, seed int64) float64 {
	rng := rand.New(rand.NewSource(seed))
	delays := make([]time.Duration, count)
	for i := range delays {
		delays[i] = time.Duration(rng.Int63n(int64(maxDelay)))
	}
	late := make([]float64, count)
	var wg sync.WaitGroup
	wg.Add(count)
	for i := 0; i < count; i++ {
		go func(i int) {
			start := time.Now()
			time.Sleep(delays[i])
			late[i] = float64((time.Since(start) - delays[i]).Nanoseconds()) / 1e6
			wg.Done()
		}(i)
	}
	wg.Wait()
	sort.Float64s(late)
	idx := int(0.99 * float64(count))
	if idx > count-1 {
		idx = count - 1
	}
	return late[idx]
}

func childSleepers(n int) map[string]float64 {
	var wg sync.WaitGroup
	start := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			time.Sleep(500 * time.Millisecond)
			wg.Done()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	return map[string]float64{"wall_s": wall.Seconds(), "rss_mb": peakRSSMB()}
}

// ---- fresh-process children ----

func childTimeout() time.Duration {
	if s := os.Getenv("PEER_CHILD_TIMEOUT"); s != "" {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return time.Duration(v * float64(time.Second))
		}
	}
	return 60 * time.Second
}

// runChild re-runs this binary for one workload; nil when it failed or ran over time.
func runChild(args ...string) map[string]float64 {
	exe, err := os.Executable()
	if err != nil {
		logf("  cannot find own executable: %v", err)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), childTimeout())
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, append([]string{"--child"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		logf("  %v: over %v, skipped", args, childTimeout())
		return nil
	}
	if err != nil {
		logf("  %v: child failed: %v, skipped", args, err)
		return nil
	}
	var fields map[string]float64
	if err := json.Unmarshal(out, &fields); err != nil {
		logf("  %v: bad child output: %v", args, err)
		return nil
	}
	return fields
}

func runGreenletSuite() []result {
	var rs []result
	logf("go: switch (Gosched)")
	rs = append(rs, result{"switch", bestNsPerOp(2, benchGosched), "ns", true})
	logf("go: switch_channel")
	rs = append(rs, result{"switch_channel", bestNsPerOp(2, benchChannelPingPong), "ns", true})
	logf("go: create_switch_finish")
	rs = append(rs, result{"create_switch_finish", bestNsPerOp(1, benchCreateSwitchFinish), "ns", true})
	for _, c := range []struct {
		label string
		n     int
	}{{"100k", 100_000}, {"1m", 1_000_000}} {
		logf("go: parked_%s (fresh process)", c.label)
		if r := runChild("parked", strconv.Itoa(c.n)); r != nil {
			rs = append(rs, result{"parked_" + c.label + "_create", r["create_ms"], "ms", true})
			rs = append(rs, result{"parked_" + c.label + "_rss", r["rss_mb"], "MB", true})
		}
	}
	return rs
}

func runHubSuite() []result {
	var rs []result
	logf("go: spawn_join")
	rs = append(rs, result{"spawn_join", bestNsPerOp(1, benchSpawnJoin), "ns", true})
	logf("go: spawn_join_100k")
	benchSpawnJoinBatch(100_000) // warm-up
	best := time.Duration(1<<63 - 1)
	for i := 0; i < 5; i++ {
		if d := benchSpawnJoinBatch(100_000); d < best {
			best = d
		}
	}
	rs = append(rs, result{"spawn_join_100k", float64(best.Nanoseconds()) / 100_000, "ns", true})
	logf("go: sleep0 (Gosched)")
	rs = append(rs, result{"sleep0", bestNsPerOp(2, benchGosched), "ns", true})
	logf("go: queue_roundtrip")
	rs = append(rs, result{"queue_roundtrip", bestNsPerOp(1, benchChannelPingPong), "ns", true})
	logf("go: sleepers_100k (fresh process)")
	if r := runChild("sleepers", "100000"); r != nil {
		rs = append(rs, result{"sleepers_100k_wall", r["wall_s"], "s", true})
		rs = append(rs, result{"sleepers_100k_rss", r["rss_mb"], "MB", true})
	}
	logf("go: timer_p99_late (median of 3 runs)")
	p := []float64{}
	for seed := int64(1); seed <= 3; seed++ {
		p = append(p, timerP99LateMs(10_000, 100*time.Millisecond, seed))
	}
	sort.Float64s(p)
	rs = append(rs, result{"timer_p99_late", p[1], "ms", true})
	return rs
}

func round4(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 4, 64), 64)
	return f
}

func main() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "--list-suites" {
		fmt.Println("greenlet hub")
		return
	}
	if len(args) == 3 && args[0] == "--child" {
		n, err := strconv.Atoi(args[2])
		if err != nil {
			logf("bad count %q", args[2])
			os.Exit(2)
		}
		var fields map[string]float64
		switch args[1] {
		case "parked":
			fields = childParked(n)
		case "sleepers":
			fields = childSleepers(n)
		default:
			logf("unknown child workload %q", args[1])
			os.Exit(2)
		}
		out, _ := json.Marshal(fields)
		fmt.Println(string(out))
		os.Exit(0) // leave at once; the parked goroutines stay parked
	}
	if len(args) != 1 {
		logf("usage: go-peer greenlet|hub|--list-suites")
		os.Exit(2)
	}
	var rs []result
	switch args[0] {
	case "greenlet":
		rs = runGreenletSuite()
	case "hub":
		rs = runHubSuite()
	default:
		logf("unknown suite %q (this peer runs: greenlet hub)", args[0])
		os.Exit(2)
	}
	for i := range rs {
		rs[i].Value = round4(rs[i].Value)
	}
	peer := fmt.Sprintf("Go %s GOMAXPROCS=%d", runtime.Version(), runtime.GOMAXPROCS(0))
	out, _ := json.Marshal(report{Suite: args[0], Peer: peer, Results: rs})
	fmt.Println(string(out))
}
