// Weave: Python's three concurrency models for Swift — stackful greenlets, a cooperative
// hub, and processes that run Swift closures. Importing Weave imports all of them.
@_exported import Greenlets
@_exported import Multiprocessing
@_exported import GreenHub
@_exported import GreenNet
