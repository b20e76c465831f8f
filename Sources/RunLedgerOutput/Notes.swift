import Foundation

/// A remark for the person at the terminal, not data: goes to stderr.
package func printNote(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
