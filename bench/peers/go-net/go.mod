module weave.local/bench/peers/go-net

go 1.19
