import SwiftSyntax
import SwiftSyntaxMacros

/// `@DurationOverload`: beside a function or initializer that takes seconds as `Double`,
/// declares its twin that takes a `Duration` and forwards to it; beside a `Duration`
/// property, its `Double`-seconds twin. The one place every such pair in Weave comes from.
///
/// Every parameter of type `Double` or `Double?` becomes `Duration` or `Duration?` and loses
/// its default value (so that a call that leaves it out still picks the `Double`
/// original); the twin converts it back with `weaveSeconds`. The macro's `label:` renames
/// the first converted parameter's argument label (`sleep(_ seconds:)` → `sleep(for:)`).
/// A class's initializer gets a `convenience` twin.
public struct DurationOverloadMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax,
        providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        let shape: Shape
        if let function = declaration.as(FunctionDeclSyntax.self) {
            shape = Shape(
                attributes: function.attributes, modifiers: function.modifiers,
                introducer: "func `\(function.name.text)`", callee: "`\(function.name.text)`",
                generics: function.genericParameterClause, signature: function.signature,
                whereClause: function.genericWhereClause, documentedName: function.name.text)
        } else if let initializer = declaration.as(InitializerDeclSyntax.self) {
            let inClass = context.lexicalContext.first?.is(ClassDeclSyntax.self) ?? false
            let isConvenience = initializer.modifiers.contains { $0.name.tokenKind == .keyword(.convenience) }
            shape = Shape(
                attributes: initializer.attributes, modifiers: initializer.modifiers,
                introducer: (inClass && !isConvenience ? "convenience " : "") + "init"
                    + (initializer.optionalMark?.text ?? ""),
                callee: "self.init", generics: initializer.genericParameterClause,
                signature: initializer.signature, whereClause: initializer.genericWhereClause,
                documentedName: "init")
        } else if let variable = declaration.as(VariableDeclSyntax.self) {
            return [try secondsTwin(of: variable)]
        } else {
            throw DurationOverloadError("@DurationOverload applies to functions, initializers and Duration properties only")
        }
        return [try shape.twin(relabelling: labelArgument(of: node))]
    }

    /// `var lease: Duration` gets `var leaseSeconds: Double`, which reads (and, for a `var`,
    /// writes) `lease` in seconds.
    private static func secondsTwin(of variable: VariableDeclSyntax) throws -> DeclSyntax {
        guard variable.bindings.count == 1, let binding = variable.bindings.first,
            let name = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier.text,
            binding.typeAnnotation?.type.trimmedDescription == "Duration"
        else {
            throw DurationOverloadError("@DurationOverload on a property needs a single `name: Duration` declaration")
        }
        let modifiers = variable.modifiers.map { $0.trimmedDescription + " " }.joined()
        let body =
            variable.bindingSpecifier.tokenKind == .keyword(.var)
            ? "get { \(name).weaveSeconds }\n    set { \(name) = .seconds(newValue) }" : "\(name).weaveSeconds"
        return """
            /// ``\(raw: name)`` in seconds.
            \(raw: modifiers)var \(raw: name)Seconds: Double {
                \(raw: body)
            }
            """
    }

    private static func labelArgument(of node: AttributeSyntax) -> String? {
        guard case .argumentList(let arguments) = node.arguments else { return nil }
        for argument in arguments where argument.label?.text == "label" {
            if let literal = argument.expression.as(StringLiteralExprSyntax.self) {
                return literal.segments.trimmedDescription
            }
        }
        return nil
    }
}

/// What a twin is made from: the parts of a function or initializer declaration.
private struct Shape {
    let attributes: AttributeListSyntax
    let modifiers: DeclModifierListSyntax
    /// `func name` or `convenience init`.
    let introducer: String
    /// What the twin's body calls: the function's name or `self.init`.
    let callee: String
    let generics: GenericParameterClauseSyntax?
    let signature: FunctionSignatureSyntax
    let whereClause: GenericWhereClauseSyntax?
    let documentedName: String

    func twin(relabelling newLabel: String?) throws -> DeclSyntax {
        var converted = 0
        var parameters: [FunctionParameterSyntax] = []
        var arguments: [String] = []
        for parameter in signature.parameterClause.parameters {
            let type = parameter.type.trimmedDescription
            let name = (parameter.secondName ?? parameter.firstName).trimmedDescription
            let label = parameter.firstName.trimmedDescription
            let passed = type.hasPrefix("inout ") ? "&\(name)" : name
            guard type == "Double" || type == "Double?" else {
                parameters.append(parameter.with(\.trailingComma, nil))
                arguments.append(label == "_" ? passed : "\(label): \(passed)")
                continue
            }
            converted += 1
            var twin = parameter.with(\.trailingComma, nil).with(\.defaultValue, nil)
            twin.type = TypeSyntax(stringLiteral: type == "Double" ? "Duration" : "Duration?")
            if converted == 1, let newLabel {
                twin.firstName = .identifier(newLabel, trailingTrivia: .space)
                twin.secondName = .identifier(name)
            }
            parameters.append(twin)
            let seconds = type == "Double" ? "\(name).weaveSeconds" : "\(name)?.weaveSeconds"
            arguments.append(label == "_" ? seconds : "\(label): \(seconds)")
        }
        guard converted > 0 else {
            throw DurationOverloadError("@DurationOverload found no Double parameter in \(documentedName)")
        }
        let effects = signature.effectSpecifiers
        let call = (effects?.throwsClause != nil ? "try " : "") + (effects?.asyncSpecifier != nil ? "await " : "")
            + "\(callee)(\(arguments.joined(separator: ", ")))"
        // The twin only forwards: it keeps attributes such as `@discardableResult`, not
        // the macro itself nor inlining, which would expose the conversion to clients.
        let dropped: Set<String> = ["DurationOverload", "inlinable", "inline", "usableFromInline"]
        let kept = attributes.filter { element in
            guard case .attribute(let attribute) = element else { return true }
            return !dropped.contains(attribute.attributeName.trimmedDescription)
        }
        let labels = signature.parameterClause.parameters.map { "\($0.firstName.text):" }.joined()
        let header = [
            kept.map(\.trimmedDescription).joined(separator: " "),
            modifiers.map(\.trimmedDescription).joined(separator: " "),
            introducer + (generics?.trimmedDescription ?? "")
                + "(\(parameters.map(\.trimmedDescription).joined(separator: ", ")))"
                + (effects.map { " " + $0.trimmedDescription } ?? "")
                + (signature.returnClause.map { " " + $0.trimmedDescription } ?? "")
                + (whereClause.map { " " + $0.trimmedDescription } ?? ""),
        ].filter { !$0.isEmpty }.joined(separator: " ")
        return """
            /// `\(raw: documentedName)(\(raw: labels))` with a `Duration` for its seconds.
            \(raw: header) {
                \(raw: call)
            }
            """
    }
}

/// Why `@DurationOverload` could not expand.
struct DurationOverloadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
