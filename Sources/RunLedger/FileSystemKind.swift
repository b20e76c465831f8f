import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The kind of file system a ledger file lives on, as `statfs(2)` tells it.
///
/// SQLite's locking, which keeps several processes from corrupting one file, relies on POSIX
/// advisory locks and, in WAL mode, on shared memory that every process maps. Network and
/// FUSE file systems often get one or the other wrong, silently:
/// > SQLite depends on the underlying filesystem to do locking as the documentation says it
/// > will. But some filesystems contain bugs in their locking logic such that the locks do
/// > not always behave as advertised. This is especially true of network filesystems and
/// > NFS in particular.
/// So a ledger on one of them (``isNetworkOrFUSE``) is refused for writing unless
/// ``Ledger/Configuration/allowsUnsafeFileSystem`` is set.
///
/// Related SQLite documentation: <https://www.sqlite.org/howtocorrupt.html#_filesystems_with_broken_or_missing_lock_implementations>,
/// <https://www.sqlite.org/wal.html> ("WAL does not work over a network filesystem")
public struct FileSystemKind: Sendable, Hashable, CustomStringConvertible {
    /// The file system's magic number (`statfs`'s `f_type` on Linux; 0 where unknown).
    public let magic: Int64
    /// Its name: `nfs`, `smb`, `cifs`, `fuse`, `9p`, `tmpfs`, `ext4`... or the magic number in hex.
    public let name: String
    /// Whether SQLite's locking is unsafe there: a network or FUSE file system.
    public let isNetworkOrFUSE: Bool
    /// Whether the file system lives in memory (`tmpfs`, `ramfs`), so a reboot loses the file.
    public let isVolatile: Bool

    /// The name.
    public var description: String { name }

    /// The kind for a Linux `f_type` magic number.
    public init(magic: Int64) {
        self.magic = magic
        let known = Self.known[magic]
        name = known?.name ?? "0x" + String(magic, radix: 16)
        isNetworkOrFUSE = known?.unsafe ?? false
        isVolatile = magic == 0x0102_1994 || magic == 0x8584_58F6
    }

    /// Linux `f_type` values (`<linux/magic.h>`, and `statfs(2)`), and whether each is unsafe
    /// for SQLite's locking.
    private static let known: [Int64: (name: String, unsafe: Bool)] = [
        0x6969: ("nfs", true),
        0x517B: ("smb", true),
        0xFF53_4D42: ("cifs", true),
        0xFE53_4D42: ("smb2", true),
        0x6573_5546: ("fuse", true),
        0x00C3_6400: ("ceph", true),
        0x5346_414F: ("afs", true),
        0x6B41_4653: ("afs", true),
        0x7375_7245: ("coda", true),
        0x0102_1997: ("9p", true),
        0x0BD0_0BD0: ("lustre", true),
        0x0102_1994: ("tmpfs", false),
        0x8584_58F6: ("ramfs", false),
        0xEF53: ("ext4", false),
        0x5846_5342: ("xfs", false),
        0x9123_683E: ("btrfs", false),
        0x794C_7630: ("overlayfs", false),
        0x2FC1_2FC1: ("zfs", false),
        0xF2F5_2010: ("f2fs", false),
    ]

    /// The file system of `path`: of the file, or of its folder when the file does not
    /// exist yet. Nil when `statfs` fails (no such folder), and where it is not asked (not
    /// Linux).
    public static func of(path: String) -> FileSystemKind? {
        if let magic = fake(for: path) { return FileSystemKind(magic: magic) }
        var target = path
        if access(path, F_OK) != 0 {
            let folder = path.contains("/") ? String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) : "."
            target = folder.isEmpty ? "/" : folder
        }
        return statfsMagic(of: target).map(FileSystemKind.init(magic:))
    }

    // MARK: - The seam for tests

    /// Magic numbers that ``of(path:)`` answers, instead of `statfs`, for paths under these
    /// folders: how tests put a ledger "on NFS" without mounting one.
    private static let fakes = Mutex<[String: Int64]>([:])

    /// Makes ``of(path:)`` answer `magic` for every path under `folder` (nil: `statfs` again).
    package static func fake(_ magic: Int64?, under folder: String) {
        fakes.withLock { $0[folder.hasSuffix("/") ? folder : folder + "/"] = magic }
    }

    private static func fake(for path: String) -> Int64? {
        fakes.withLock { fakes in
            fakes.first { path.hasPrefix($0.key) }?.value
        }
    }
}
