// MARK: - Dictionaries, namespaces and lists

extension ServedObjects {
    /// Dictionary operations. Values are encoded bytes; `items` replies with keys and values
    /// alternating; `compareAndSet` (key, expected present, expected, new present, new)
    /// stores the new value (or removes the key) only if the current one is the expected
    /// one, replying [1], or [0, present, current] when it is not.
    func handleDictionary(_ request: ManagerRequest, _ dictionary: ServedDictionary) throws -> ManagerReply {
        switch request.operation {
        case .dictionaryGet:
            let key = try expect(request, 1)[0]
            return ManagerReply(.ok, dictionary.entries[key].map { [$0] } ?? [])
        case .dictionarySet:
            let arguments = try expect(request, 2)
            dictionary.entries[arguments[0]] = arguments[1]
            return ManagerReply()
        case .dictionaryRemove:
            let key = try expect(request, 1)[0]
            return ManagerReply(.ok, dictionary.entries.removeValue(forKey: key).map { [$0] } ?? [])
        case .dictionaryContains:
            let key = try expect(request, 1)[0]
            return ManagerReply(.ok, [WireValue.flag(dictionary.entries[key] != nil)])
        case .dictionaryCount:
            return ManagerReply(.ok, [WireValue.word(UInt64(dictionary.entries.count))])
        case .dictionaryItems:
            var values: [[UInt8]] = []
            values.reserveCapacity(2 * dictionary.entries.count)
            for (key, value) in dictionary.entries {
                values.append(key)
                values.append(value)
            }
            return ManagerReply(.ok, values)
        case .dictionaryCompareAndSet:
            let arguments = try expect(request, 5)
            let key = arguments[0]
            let expected = try WireValue.flag(arguments[1]) ? arguments[2] : nil
            let current = dictionary.entries[key]
            guard current == expected else {
                return ManagerReply(.ok, [WireValue.flag(false), WireValue.flag(current != nil), current ?? []])
            }
            dictionary.entries[key] = try WireValue.flag(arguments[3]) ? arguments[4] : nil
            return ManagerReply(.ok, [WireValue.flag(true)])
        case .dictionaryClear:
            dictionary.entries.removeAll()
            return ManagerReply()
        default:
            throw ServedFailure(.invalidRequest, "\(request.operation) is not a dictionary operation")
        }
    }

    /// List operations; indices are words, checked against the count.
    func handleList(_ request: ManagerRequest, _ list: ServedList) throws -> ManagerReply {
        func index(_ bytes: [UInt8], allowingEnd: Bool = false) throws -> Int {
            let index = try WireValue.word(bytes)
            let limit = UInt64(list.elements.count) + (allowingEnd ? 1 : 0)
            guard index < limit else {
                throw ServedFailure(.indexOutOfRange, "index \(index) of a list of \(list.elements.count)")
            }
            return Int(index)
        }
        switch request.operation {
        case .listAppend:
            list.elements.append(contentsOf: request.arguments)
            return ManagerReply()
        case .listGet:
            return ManagerReply(.ok, [list.elements[try index(try expect(request, 1)[0])]])
        case .listSet:
            let arguments = try expect(request, 2)
            list.elements[try index(arguments[0])] = arguments[1]
            return ManagerReply()
        case .listInsert:
            let arguments = try expect(request, 2)
            list.elements.insert(arguments[1], at: try index(arguments[0], allowingEnd: true))
            return ManagerReply()
        case .listRemove:
            return ManagerReply(.ok, [list.elements.remove(at: try index(try expect(request, 1)[0]))])
        case .listCount:
            return ManagerReply(.ok, [WireValue.word(UInt64(list.elements.count))])
        case .listItems:
            return ManagerReply(.ok, list.elements)
        case .listClear:
            list.elements.removeAll()
            return ManagerReply()
        default:
            throw ServedFailure(.invalidRequest, "\(request.operation) is not a list operation")
        }
    }
}
