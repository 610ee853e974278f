/// The shops a run reconciles (`--shop`): one id (the single-shop run), a list, or `all` (every catalog
/// shop that is a Bitrix seller).
public enum ShopSelection: Sendable, Equatable, CustomStringConvertible {
    /// These shops, in the order given (duplicates removed).
    case ids([Int64])
    /// Every catalog shop that is a Bitrix seller (an iblock-32 element id, or mapped in `[shops]`).
    case all

    /// Parses `--shop`: `all`, or one or more comma-separated positive 32-bit ids (`17008`, `17008,71264`).
    ///
    /// Spaces around items are allowed (`17008, 71264`); an empty item (`17008,,71264`) is not.
    /// - Parameter text: The option's value.
    /// - Throws: ``Error`` naming the value that is not such an id.
    public init(parsing text: String) throws(Error) {
        let trimmed = text.trimmingSpaces
        if trimmed.lowercased() == "all" {
            self = .all
            return
        }
        var ids: [Int64] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(part).trimmingSpaces
            guard let id = Int64(item), id > 0, id <= Int64(Int32.max) else {
                throw Error(
                    "--shop \(text): \(item.isEmpty ? "an empty item" : "'\(item)'") is not a shop id "
                        + "(a positive 32-bit integer), a comma-separated list of them, or `all`")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        self = .ids(ids)
    }

    /// The one shop of a single-shop selection, `nil` for a list of several or `all`.
    public var single: Int64? {
        if case .ids(let ids) = self, ids.count == 1 { return ids[0] }
        return nil
    }

    /// `--shop` as written back (`all`, `17008`, `17008,71264`).
    public var description: String {
        switch self {
        case .all: "all"
        case .ids(let ids): ids.map(String.init).joined(separator: ",")
        }
    }

    /// A `--shop` value that is not a shop id, a list of them or `all`.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        /// What is wrong, naming the value.
        public var description: String
        /// Wraps a message that already names the refused `--shop` value; the CLI exits 64 with it.
        public init(_ description: String) { self.description = description }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
