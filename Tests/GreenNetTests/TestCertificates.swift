import Foundation
import XCTest

/// A certificate and its private key in PEM, for `localhost` and 127.0.0.1, made with the
/// `openssl` tool at test time: self-signed, or issued by a ``TestCertificateAuthority``.
struct TestCertificate {
    let certificatePEM: String
    let keyPEM: String

    /// A self-signed certificate, valid for `alternativeNames` (OpenSSL's
    /// `subjectAltName` syntax).
    static func make(alternativeNames: String = "DNS:localhost,IP:127.0.0.1") throws -> TestCertificate {
        try OpenSSLTool.inScratchDirectory { tool in
            try tool.run([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=\(alternativeNames)",
            ])
            return TestCertificate(certificatePEM: try tool.read("cert.pem"), keyPEM: try tool.read("key.pem"))
        }
    }
}

/// A private certificate authority that issues certificates for tests of mutual TLS.
struct TestCertificateAuthority {
    /// The authority's own certificate: what a peer trusts to accept the ones it issues.
    let certificatePEM: String
    private let keyPEM: String

    /// A new authority named `name`.
    static func make(name: String) throws -> TestCertificateAuthority {
        try OpenSSLTool.inScratchDirectory { tool in
            try tool.run([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2", "-subj", "/CN=\(name)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
            ])
            return TestCertificateAuthority(certificatePEM: try tool.read("ca.pem"), keyPEM: try tool.read("ca-key.pem"))
        }
    }

    /// A certificate for `commonName` (also valid for `localhost` and 127.0.0.1), signed by
    /// this authority.
    func issue(commonName: String) throws -> TestCertificate {
        try OpenSSLTool.inScratchDirectory { tool in
            try tool.write(certificatePEM, to: "ca.pem")
            try tool.write(keyPEM, to: "ca-key.pem")
            try tool.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", to: "extensions")
            try tool.run([
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "key.pem", "-out", "request.pem", "-subj", "/CN=\(commonName)",
            ])
            try tool.run([
                "x509", "-req", "-in", "request.pem", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
                "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "2",
                "-extfile", "extensions", "-out", "cert.pem",
            ])
            return TestCertificate(certificatePEM: try tool.read("cert.pem"), keyPEM: try tool.read("key.pem"))
        }
    }
}

/// Runs the `openssl` tool in a scratch directory that is removed afterwards; skips the
/// test when the tool is missing or fails.
private struct OpenSSLTool {
    let directory: URL

    static func inScratchDirectory<Result>(_ body: (OpenSSLTool) throws -> Result) throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("weave-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(OpenSSLTool(directory: directory))
    }

    func run(_ arguments: [String]) throws {
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl"] + arguments
        openssl.currentDirectoryURL = directory
        openssl.standardError = FileHandle.nullDevice
        do {
            try openssl.run()
        } catch {
            throw XCTSkip("the openssl tool is not available to make a test certificate")
        }
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw XCTSkip("openssl could not make a test certificate: \(arguments)") }
    }

    func read(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    func write(_ text: String, to name: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}
