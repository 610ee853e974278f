import BackstopModel

extension BitrixModelBuilder {
    /// Records a `b_user` id and, when the scope materialises users, the user: `NAME LAST_NAME`, e-mail,
    /// active unless `ACTIVE = 'N'`, and the first of `PERSONAL_PHONE`, `PERSONAL_MOBILE` that normalises
    /// to `+7…` (each one that does not is a problem).
    func consumeUser(_ row: DumpRow, _ c: UserColumns) {
        guard let id = requiredInt(row, c.id, "ID", id: c.id) else { return }
        allUserIDs.append(id)
        guard scope.users else { return }
        let name = [text(row, c.name), text(row, c.lastName)].compactMap { $0 }.filter { !$0.isEmpty }.joined(
            separator: " ")
        var user = CanonicalUser(
            id: id, login: text(row, c.login) ?? "", name: name.isEmpty ? nil : name,
            email: text(row, c.email).flatMap { $0.isEmpty ? nil : $0 }, active: !bytes(row, c.active, equal: "N"))
        for (column, index) in [("PERSONAL_PHONE", c.phone), ("PERSONAL_MOBILE", c.mobile)] {
            guard let raw = text(row, index), !raw.isEmpty else { continue }
            if let phone = PhoneNumber.normalize(raw) {
                user.phone = phone
                break
            }
            problem(row, c.id, column, "phone cannot be normalised to +7XXXXXXXXXX", raw: index)
        }
        users.append(user)
    }
}
