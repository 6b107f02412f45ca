import WeaveDurations
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// MARK: JSON

extension GreenHTTPClient {
    /// GETs `url` and decodes its JSON body — `requests.get(url).json()`.
    ///
    /// Call on the hub's thread.
    /// - Throws: `GreenNetError.httpProtocol` for a status that is not 2xx; a
    ///   `DecodingError` for a body that is not the JSON of `type`; as
    ///   ``request(_:_:headers:body:timeout:)``.
    @DurationOverload
    public func getJSON<Value: Decodable>(
        _ url: String,
        as type: Value.Type,
        headers: [(name: String, value: String)] = [],
        timeout: Double? = nil
    ) throws -> Value {
        let response = try request("GET", url, headers: [("Accept", "application/json")] + headers, timeout: timeout)
        try response.raiseForStatus()
        return try response.json(as: type)
    }

    /// POSTs `value` encoded as JSON — `requests.post(url, json=value)`.
    ///
    /// Call on the hub's thread.
    /// - Returns: The response, whatever its status (decode it with
    ///   ``GreenHTTPResponse/json(as:)``).
    /// - Throws: An `EncodingError`; as ``request(_:_:headers:body:timeout:)``.
    @DurationOverload
    public func postJSON(
        _ url: String,
        json value: some Encodable,
        headers: [(name: String, value: String)] = [],
        timeout: Double? = nil
    ) throws -> GreenHTTPResponse {
        let body = Array(try JSONEncoder().encode(value))
        return try request(
            "POST", url, headers: [("Content-Type", "application/json")] + headers, body: body, timeout: timeout)
    }
}

extension GreenHTTPResponse {
    /// The body decoded from JSON — `response.json()`.
    ///
    /// - Throws: A `DecodingError` when the body is not the JSON of `type`.
    public func json<Value: Decodable>(as type: Value.Type) throws -> Value {
        try JSONDecoder().decode(type, from: Data(body))
    }

    /// A response with a JSON body — what a ``GreenHTTPServer`` handler returns for
    /// `flask.jsonify(value)`.
    ///
    /// - Throws: An `EncodingError`.
    public init(status: Int = 200, json value: some Encodable) throws {
        self.init(
            status: status, headers: [("Content-Type", "application/json")], body: Array(try JSONEncoder().encode(value)))
    }

    /// Throws unless the status is 2xx — `raise_for_status()`.
    ///
    /// - Throws: `GreenNetError.httpProtocol` naming the status.
    public func raiseForStatus() throws {
        guard isSuccess else {
            throw GreenNetError(.httpProtocol, "the server answered with status \(status); check the URL and the request")
        }
    }
}
