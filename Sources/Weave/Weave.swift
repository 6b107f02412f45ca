// Weave: Python's concurrency models for Swift — stackful greenlets, a cooperative hub,
// processes that run Swift closures, OS threads, and executors over them. Importing Weave
// imports all of them.
@_exported import Greenlets
@_exported import Multiprocessing
@_exported import GreenHub
@_exported import GreenNet
@_exported import Threading
@_exported import Executors
@_exported import Managers
