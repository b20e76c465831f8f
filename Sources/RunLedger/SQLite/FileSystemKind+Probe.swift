internal import CSQLite

extension FileSystemKind {
    /// The `f_type` of the file system holding `path` (which must exist), or nil when
    /// `statfs` fails or on a system without it here (not Linux).
    ///
    /// The corresponding C function is `statfs` (through `shim.h`: Glibc's Swift module does
    /// not carry `<sys/vfs.h>`).
    static func statfsMagic(of path: String) -> Int64? {
        #if os(Linux)
            var magic: Int64 = 0
            guard csqlite_file_system_magic(path, &magic) == 0 else { return nil }
            return magic
        #else
            return nil
        #endif
    }
}
