// Weave: Python's three concurrency models for Swift — stackful greenlets, a cooperative
// hub, processes that run Swift closures, and executors over all three. Importing Weave
// imports all of them.
@_exported import Greenlets
@_exported import Multiprocessing
@_exported import GreenHub
@_exported import GreenNet
@_exported import Executors
@_exported import Managers
