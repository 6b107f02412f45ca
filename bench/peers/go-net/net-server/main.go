// The Go server peer of Weave's networking benchmarks (bench/net-compare).
//
//	net-server echo [-port P]   writes back whatever each connection sends
//	net-server http [-port P]   net/http answering every request with "Hello, World!"
//
// Listens on 127.0.0.1 (port 0 lets the system pick), prints "listening <port>" on stdout
// once it accepts connections, and serves until a signal ends it. The harness sets
// GOMAXPROCS; Go's own default is the number of CPUs the process may run on.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
)

var hello = []byte("Hello, World!")

func main() {
	port := flag.Int("port", 0, "port on 127.0.0.1; 0 lets the system pick")
	flag.Parse()
	if flag.NArg() != 1 || (flag.Arg(0) != "echo" && flag.Arg(0) != "http") {
		fmt.Fprintln(os.Stderr, "usage: net-server echo|http [-port P]")
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", listener.Addr().(*net.TCPAddr).Port)
	if flag.Arg(0) == "echo" {
		err = serveEcho(listener)
	} else {
		err = http.Serve(listener, http.HandlerFunc(sayHello))
	}
	fmt.Fprintln(os.Stderr, "serve:", err)
	os.Exit(1)
}

// serveEcho runs one goroutine per connection, each a read-some, write-all loop.
func serveEcho(listener net.Listener) error {
	for {
		conn, err := listener.Accept()
		if err != nil {
			return err
		}
		go echo(conn)
	}
}

func echo(conn net.Conn) {
	defer conn.Close()
	buf := make([]byte, 65536)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		if _, err := conn.Write(buf[:n]); err != nil {
			return
		}
	}
}

func sayHello(w http.ResponseWriter, _ *http.Request) {
	header := w.Header()
	header["Content-Type"] = []string{"text/plain; charset=utf-8"}
	header["Content-Length"] = []string{"13"}
	w.Write(hello)
}
