/// An error of the command line itself, with its exit code.
struct CLIError: Error {
    let message: String
    let code: Int32

    static func usage(_ message: String) -> CLIError { CLIError(message: message, code: ExitStatus.usage) }
    static func data(_ message: String) -> CLIError { CLIError(message: message, code: ExitStatus.dataError) }
}
