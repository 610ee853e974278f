/// The small fixed tables: price groups, order statuses, catalog properties, users.
extension WorldBuild {
    func writeStatic() throws {
        let t = WorldClock.start
        let groups: [(Int, String, String, Int, String)] = [
            (1, "Розничная цена", "Y", 100, "BASE"), (2, "Оптовая цена", "N", 200, "WHOLESALE"),
            (3, "Цена в USD", "N", 300, "USD"),
        ]
        let g = b(.catalogGroup)
        for (id, name, base, sort, xml) in groups {
            g.beginRow()
            g.int(id); g.string(name); g.string(base); g.int(sort); g.string(xml)
            g.dateTime(t); g.int(1); g.dateTime(t); g.int(1)
            try g.endRow()
        }

        let s = b(.saleStatus)
        let l = b(.saleStatusLang)
        for (i, code) in StatusMap.codes.enumerated() {
            s.beginRow()
            s.string(code.code); s.string(code.type); s.int((i + 1) * 10); s.string("Y")
            if code.code == "F" { s.string("#00FF00") } else { s.null() }
            s.null()
            try s.endRow()
            for (lid, name) in [("en", code.en), ("ru", code.ru)] {
                l.beginRow()
                l.string(code.code); l.string(lid); l.string(name)
                if code.code == "TR" && lid == "ru" {
                    l.string("Значение спорное: «передан курьеру» или «проблемный»")
                } else {
                    l.null()
                }
                try l.endRow()
            }
        }

        let p = b(.iblockProperty)
        let props: [(Int, String, String, String, String, Int?)] = [
            (WorldIDs.propSeller, "Продавец", "SELLER", "E", "N", 32),
            (WorldIDs.propIsReady, "Готовый букет (витрина)", "IS_READY", "S", "N", nil),
            (WorldIDs.propWidth, "Ширина", "WIDTH", "S", "N", nil),
            (WorldIDs.propHeight, "Высота", "HEIGHT", "S", "N", nil),
            (WorldIDs.propCatalogWidth, "Ширина (каталог)", "CATALOG_WIDTH", "S", "N", nil),
            (WorldIDs.propCatalogHeight, "Высота (каталог)", "CATALOG_HEIGHT", "S", "N", nil),
            (WorldIDs.propMorePhoto, "Галерея", "MORE_PHOTO", "F", "Y", nil),
            (WorldIDs.propPrice, "Цена (строка)", "PRICE", "S", "N", nil),
        ]
        for (id, name, code, type, multiple, link) in props {
            p.beginRow()
            p.int(id); p.dateTime(t); p.int(2); p.string(name); p.string("Y"); p.int(500); p.string(code)
            p.string(""); p.string(type); p.int(1); p.int(30); p.string("L"); p.string(multiple); p.null()
            if type == "F" { p.string("jpg, gif, bmp, png, jpeg, webp") } else { p.string("") }
            p.int(5); p.null(); p.int(link); p.string("N"); p.string("N"); p.string(type == "E" ? "Y" : "N")
            p.string("N"); p.int(1); p.null(); p.null(); p.null()
            try p.endRow()
        }
    }

    func writeUsers() throws {
        let u = b(.user)
        for i in 0..<scale.users {
            var r = rng(.user, i)
            let id = WorldIDs.firstUser + i
            let first = r.pick(Vocabulary.firstNames), last = r.pick(Vocabulary.lastNames)
            let registered = WorldClock.start + r.int(0...WorldClock.span)
            let phone = "7" + String(r.int(700...778)) + String(r.int(1_000_000...9_999_999))
            u.beginRow()
            u.int(id); u.dateTime(registered + 3600); u.string("user\(id)")
            u.string("$6$" + hex(&r, 16) + "$" + hex(&r, 43)); u.string(hex(&r, 32));
            u.string(r.chance(0.97) ? "Y" : "N")
            u.string(first); u.string(last)
            u.string(r.chance(0.3) ? "noemail@cvety.kz" : "u\(id)@mail.kz")
            u.dateTime(registered + r.int(0...86_400 * 30)); u.dateTime(registered); u.string("s1")
            u.nulls(6)  // PERSONAL_PROFESSION … PERSONAL_PHOTO
            u.string(formatPhone(phone, style: r.int(0...3)))  // PERSONAL_PHONE
            u.null()
            u.string(r.chance(0.5) ? "+" + phone : nil)  // PERSONAL_MOBILE
            u.nulls(2)
            u.null(); u.string(r.pick(Vocabulary.cities)); u.nulls(3)
            if r.chance(0.02) { u.string(r.pick(Vocabulary.hostileBitrixOnly)) } else { u.null() }  // PERSONAL_NOTES
            u.nulls(17)  // WORK_COMPANY … ADMIN_NOTES
            u.null(); u.null(); u.null(); u.null(); u.null(); u.null(); u.null(); u.int(0)
            u.dateTime(registered + r.int(0...86_400 * 300)); u.null(); u.null(); u.null(); u.null(); u.null()
            u.string("ru"); u.string("N"); u.string("N")
            try u.endRow()
        }
    }
}

/// `count` random lowercase hex digits.
func hex(_ r: inout WorldRandom, _ count: Int) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var bytes = [UInt8]()
    bytes.reserveCapacity(count)
    for _ in 0..<count { bytes.append(digits[Int(r.next() & 15)]) }
    return String(decoding: bytes, as: UTF8.self)
}

/// A Kazakh mobile number (`7XXXXXXXXXX`) written the ways customers type it.
func formatPhone(_ digits: String, style: Int) -> String {
    let d = Array(digits)
    let rest = String(d[1...])
    switch style {
    case 0: return "+7 (\(String(d[1...3]))) \(String(d[4...6]))-\(String(d[7...8]))-\(String(d[9...10]))"
    case 1: return "8" + rest
    case 2: return "+" + digits
    default: return "8 \(String(d[1...3])) \(String(d[4...6])) \(String(d[7...8])) \(String(d[9...10]))"
    }
}
