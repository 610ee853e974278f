import BackstopModel

extension BitrixModelBuilder {
    func consumeUser(_ row: DumpRow) {
        guard let id = requiredInt(row, "ID") else { return }
        let name = [text(row, "NAME"), text(row, "LAST_NAME")].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        var user = CanonicalUser(
            id: id, login: text(row, "LOGIN") ?? "", name: name.isEmpty ? nil : name,
            email: text(row, "EMAIL").flatMap { $0.isEmpty ? nil : $0 }, active: text(row, "ACTIVE") != "N")
        for column in ["PERSONAL_PHONE", "PERSONAL_MOBILE"] {
            guard let raw = text(row, column), !raw.isEmpty else { continue }
            if let phone = PhoneNumber.normalize(raw) {
                user.phone = phone
                break
            }
            problem(row, column, "phone cannot be normalised to +7XXXXXXXXXX", raw: row[column])
        }
        users.append(user)
    }
}
