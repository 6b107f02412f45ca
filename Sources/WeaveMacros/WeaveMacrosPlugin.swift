import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plugin that provides Weave's macros.
@main
struct WeaveMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [DurationOverloadMacro.self]
}
