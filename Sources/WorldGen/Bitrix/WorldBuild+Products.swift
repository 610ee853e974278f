import BackstopModel

/// Catalog elements, their files, properties and prices on the Bitrix side, and the products, images and
/// embeddings the webhook path left in the catalog, with the planted product drift.
extension WorldBuild {
    struct FileRef {
        var id: Int
        var path: String  // upload/iblock/abc/<hash>.jpg
        var png: Bool
        var url: String { WorldIDs.imageHost + path }
    }

    func file(_ fid: Int) -> FileRef {
        var r = rng(.file, fid)
        let png = r.chance(0.1)
        return FileRef(id: fid, path: "upload/iblock/\(hex(&r, 3))/\(hex(&r, 32)).\(png ? "png" : "jpg")", png: png)
    }

    func productName(_ r: inout WorldRandom) -> String {
        let roll = r.unit()
        if roll < 0.03 { return r.pick(Vocabulary.hostile) }
        if roll < 0.12 { return r.pick(Vocabulary.kazakhNames) }
        let count = r.pick([5, 7, 9, 11, 15, 21, 25, 35, 51, 101])
        if roll < 0.5 {
            return "\(r.pick(Vocabulary.kinds)) \(count) \(r.pick(Vocabulary.colors)) \(r.pick(Vocabulary.flowers))"
        }
        return "Букет \(r.pick(Vocabulary.names)) из \(count) \(r.pick(Vocabulary.flowers))"
    }

    /// "4 950 ₸" as the reverse endpoint writes it.
    func priceString(_ tenge: Int) -> String {
        var digits = String(tenge)
        var parts: [String] = []
        while digits.count > 3 {
            parts.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        parts.insert(digits, at: 0)
        return parts.joined(separator: " ") + " ₸"
    }

    /// A unit 512-d vector for a bouquet; near-duplicates add a little noise to their source's vector.
    func embedding(bouquet: UInt64, noise: UInt64? = nil) -> [Float] {
        var r = WorldRandom(seed: bouquet, stream: .embedding)
        var v = (0..<512).map { _ in r.gaussian() }
        if let noise {
            var n = WorldRandom(seed: noise, stream: .embedding, index: 1)
            for i in 0..<512 { v[i] += 0.12 * n.gaussian() }
        }
        let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / norm }
    }

    /// The picture of a clean, enabled product of shop 17008 (its catalog image is its Bitrix preview), or
    /// nil to keep its own bouquet. One in ``WorldScale/hardNegativePeriod`` such products (and, for two
    /// views of one scene, the next one too) gets a picture that looks like another product's without being
    /// a copy, and the pair goes to ``hardNegatives``, in turn:
    /// 1. the last clean product's backdrop, paper, stems and ribbon with another bouquet's blooms;
    /// 2. the left and right halves of one wide scene (adjacent, no overlap);
    /// 3. the last clean product's setting with blooms of its own kinds and colours placed otherwise;
    /// 4. two 435-pixel views of one scene overlapping by 15–30 % of their width.
    func hardNegativeSpec(id: Int, bouquet: UInt64, path: String, format: ImageSpec.Format) -> ImageSpec? {
        let side = (width: 435, height: 545)
        if let pending = pendingRegion {
            pendingRegion = nil
            let x = pending.sceneWidth - side.width
            hardNegatives.append(
                ManifestEntry(
                    kind: .imageDuplicate, key: "\(pending.id)|\(id)", bitrix: pending.path, catalog: path,
                    cause: pending.cause))
            return ImageSpec(
                path: path, bouquetSeed: pending.seed, format: format,
                variant: .region(x: x, y: 0, width: side.width, height: side.height), width: pending.sceneWidth,
                height: side.height)
        }
        cleanPictures += 1
        let period = scale.hardNegativePeriod
        guard cleanPictures % period == 0 else { return nil }
        let turn = (cleanPictures / period - 1) % 4
        switch turn {
        case 0, 2:
            guard let source = lastDuplicateSource else { return nil }
            let sameFlowers = turn == 2
            hardNegatives.append(
                ManifestEntry(
                    kind: .imageDuplicate, key: "\(source.id)|\(id)", bitrix: source.path, catalog: path,
                    cause: sameFlowers ? "restaged_same_flowers" : "restaged_other_flowers"))
            return ImageSpec(
                path: path, bouquetSeed: source.seed, format: format,
                variant: .restaged(blooms: splitMix64(bouquet ^ 0xB100_3500), sameFlowers: sameFlowers))
        default:
            let overlap = turn == 1 ? 0 : 15 + Int(bouquet % 16)
            let sceneWidth = 2 * side.width - side.width * overlap / 100
            pendingRegion = (
                id, bouquet, path, sceneWidth, overlap == 0 ? "adjacent_regions" : "overlapping_regions_\(overlap)pct"
            )
            return ImageSpec(
                path: path, bouquetSeed: bouquet, format: format,
                variant: .region(x: 0, y: 0, width: side.width, height: side.height), width: sceneWidth,
                height: side.height)
        }
    }

    func writeShopElements() throws {
        let e = b(.iblockElement)
        for (id, name) in sellers.sellers.map({ ($0.id, $0.name) }).sorted(by: { $0.0 < $1.0 }) {
            let t = WorldClock.start + id % 1000 * 60
            e.beginRow()
            e.int(id); e.dateTime(t); e.int(1); e.dateTime(t); e.int(1); e.int(32); e.null(); e.string("Y")
            e.null(); e.null(); e.int(500); e.string(name); e.null(); e.null(); e.string("text"); e.null()
            e.null(); e.string("text"); e.string(name.uppercased()); e.int(1); e.null(); e.null(); e.null()
            e.null(); e.null(); e.string("N"); e.string(name.lowercased() == "cvetykz" ? "cvetykz" : String(id))
            e.string(String(id)); e.null(); e.null(); e.null(); e.null(); e.null()
            try e.endRow()
        }
    }

    func writeProducts() throws {
        try writeShopElements()
        let period = scale.driftPeriod
        let kinds = ProductDrift.allCases
        let offset = Int(seed % UInt64(kinds.count))
        var eligible = 0
        /// Per migrated seller (not 17008): products seen, for its own rotation of ``ProductDrift/sellerCases``.
        var sellerEligible: [Int: Int] = [:]
        let catalogSellers = Set(sellers.catalogSellers)
        let sellerKinds = ProductDrift.sellerCases
        var collisionCandidates: [(id: Int, name: String, seller: Int)] = []
        var edges = 0
        productNames.reserveCapacity(scale.products)

        for i in 0..<scale.products {
            var r = rng(.product, i)
            let id = WorldIDs.firstElement + 3 * i
            let iblock = r.chance(0.9) ? 2 : 27
            let seller = sellers.productSeller(&r)
            var active = r.chance(0.9)
            var vitrina = r.chance(0.3)
            let name = productName(&r)
            let priceTenge = r.int(99...1780) * 50
            let width = r.int(25...90), height = r.int(30...120)
            let created = WorldClock.start + i * (WorldClock.span / max(scale.products, 1)) + r.int(0...3600)
            let sync = created + r.int(60...600)
            var activeFrom: Int? = r.chance(0.3) ? created : nil
            var activeTo: Int? = r.chance(0.05) ? WorldClock.snapshot + r.int(30...400) * 86_400 : nil
            // Activity windows at the snapshot's edges (bounds inclusive), for undrifted products only.
            let edge = r.chance(0.08)
            var galleryCount = r.int(0...3)
            let bouquet = r.next()
            let workflowCopy = r.chance(0.03)
            let detail = r.chance(0.01) ? r.pick(Vocabulary.hostileBitrixOnly) : r.pick(Vocabulary.descriptions)
            let everSynced = r.chance(0.5)

            let migrated = catalogSellers.contains(seller)
            plantShop = seller
            var drift: ProductDrift?
            if seller == WorldIDs.cvetyShop {
                if eligible % period == 0 { drift = kinds[(eligible / period + offset) % kinds.count] }
                eligible += 1
            } else if migrated {
                let n = sellerEligible[seller, default: 0]
                // Each seller's first product drifts, so even tiny plants something in every shop.
                if n % period == 0 { drift = sellerKinds[(n / period + offset + seller) % sellerKinds.count] }
                sellerEligible[seller] = n + 1
            }
            if drift == .nearDuplicate && lastDuplicateSource == nil { drift = nil }
            switch drift {
            case .lostDeactivation?, .embeddingOfDisabled?: active = false
            case nil: break
            default: active = true
            }
            switch drift {
            case nil where edge:
                edges += 1
                switch edges % 4 {  // the four edges in turn, so even tiny has each
                case 0: activeTo = WorldClock.snapshot  // last second of the window: still active
                case 1: activeTo = WorldClock.snapshot - 1  // expired just before the snapshot
                case 2: activeFrom = WorldClock.snapshot  // first second of the window: active
                default: activeFrom = WorldClock.snapshot + 1  // not active yet
                }
            case .windowExpired?:
                activeTo = WorldClock.snapshot - r.int(1...30) * 86_400 + r.int(0...3600)
            case .widthEdited?, .heightEdited?:
                vitrina = false
            case .imageReuploaded?:
                galleryCount = min(galleryCount, 2)
            default: break
            }
            /// ACTIVE with ACTIVE_FROM/ACTIVE_TO at the snapshot, bounds inclusive.
            let effective =
                active && (activeFrom ?? Int.min) <= WorldClock.snapshot
                && (activeTo ?? Int.max) >= WorldClock.snapshot
            let inBitrix = drift != .lostDelete

            // A re-uploaded preview is a new file (slot +3); the catalog keeps the original (slot 0).
            let original = file(WorldIDs.firstFile + 4 * i)
            let preview = drift == .imageReuploaded ? file(WorldIDs.firstFile + 4 * i + 3) : original
            let gallery = (0..<galleryCount).map { file(WorldIDs.firstFile + 4 * i + 1 + $0) }

            // MARK: Bitrix side
            if inBitrix {
                try writeFiles(preview: preview, gallery: gallery, created: created, r: &r)
                let e = b(.iblockElement)
                e.beginRow()
                e.int(id); e.dateTime(created + r.int(0...86_400 * 30)); e.int(r.int(1...40)); e.dateTime(created)
                e.int(r.int(1...40)); e.int(iblock); e.int(r.int(10...40)); e.string(active ? "Y" : "N")
                e.dateTime(activeFrom); e.dateTime(activeTo); e.int(r.pick([100, 200, 500])); e.string(name)
                e.int(preview.id); e.string(""); e.string("text"); e.int(preview.id); e.string(detail)
                e.string(detail.hasPrefix("<p>") ? "html" : "text"); e.string(name.uppercased()); e.int(1); e.null()
                e.null(); e.null(); e.null(); e.null(); e.string("N"); e.string("cvety-\(id)"); e.string("buket-\(id)")
                e.null(); e.null(); e.null(); e.int(r.int(0...500)); e.dateTime(created)
                try e.endRow()
                if workflowCopy {
                    e.beginRow()
                    e.int(id + 1); e.dateTime(created + 120); e.int(1); e.dateTime(created + 120); e.int(1)
                    e.int(iblock); e.int(r.int(10...40)); e.string("Y"); e.null(); e.null(); e.int(500)
                    e.string(name + " (черновик)"); e.int(preview.id); e.string(""); e.string("text"); e.null()
                    e.null(); e.string("text"); e.null(); e.int(2); e.int(id); e.string("N"); e.null(); e.null()
                    e.string("Правка цены"); e.string("N"); e.null(); e.null(); e.null(); e.null(); e.null()
                    e.null(); e.null()
                    try e.endRow()
                }
                try writeProperties(
                    id: id, seller: seller, vitrina: vitrina, width: width, height: height,
                    gallery: gallery, priceTenge: priceTenge)
                try writeCatalogRows(id: id, iblock: iblock, priceTenge: priceTenge, created: created, r: &r)
                productIDs.append(Int32(id))
                productNames.append(name)
                productPrices.append(Int32(priceTenge))
                // Elements of a catalog seller the catalog never received: a local product can sit on their id.
                if migrated, drift == nil, !effective, !everSynced, !workflowCopy,
                    !collisionCandidates.contains(where: { $0.seller == seller })
                {
                    collisionCandidates.append((id, name, seller))
                }
            }
            lastElementID = id + (workflowCopy ? 1 : 0)

            // MARK: images
            var previewSpec = ImageSpec(path: preview.path, bouquetSeed: bouquet, format: preview.png ? .png : .jpeg)
            var vector: [Float]?
            var hardNegative: ImageSpec?
            if inBitrix {
                switch drift {
                case .missingImage?:
                    plant(
                        .init(
                            kind: .imageUnreachable, key: String(id), field: "image", bitrix: preview.url,
                            cause: "missing_file"))
                case .corruptImage?:
                    previewSpec.variant = .corrupt
                    specs.append(previewSpec)
                    plant(
                        .init(
                            kind: .imageUnreachable, key: String(id), field: "image", bitrix: preview.url,
                            cause: "corrupt_file"))
                case .nearDuplicate?:
                    guard let source = lastDuplicateSource else {
                        preconditionFailure("a near duplicate is only drawn once there is a source")
                    }
                    let variant: ImageSpec.Variant = [
                        .recompressed(quality: 55), .resized(percent: 80),
                        .cropped(percent: 5),
                    ][i % 3]
                    previewSpec = ImageSpec(
                        path: preview.path, bouquetSeed: source.seed, format: .jpeg, variant: variant)
                    specs.append(previewSpec)
                    vector = embedding(bouquet: source.seed, noise: bouquet)
                    plant(
                        .init(
                            kind: .imageDuplicate, key: "\(source.id)|\(id)", bitrix: source.path,
                            catalog: preview.path, cause: "\(variant)"))
                case .imageReuploaded?:
                    specs.append(previewSpec)
                    // The replaced file is still served (the catalog links it), though no b_file row names it.
                    specs.append(
                        ImageSpec(
                            path: original.path, bouquetSeed: bouquet,
                            format: original.png ? .png : .jpeg))
                case nil where seller == WorldIDs.cvetyShop && effective:
                    hardNegative = hardNegativeSpec(
                        id: id, bouquet: bouquet, path: preview.path, format: previewSpec.format)
                    specs.append(hardNegative ?? previewSpec)
                default:
                    specs.append(previewSpec)
                }
                for (k, g) in gallery.enumerated() {
                    specs.append(
                        ImageSpec(
                            path: g.path, bouquetSeed: splitMix64(bouquet ^ UInt64(k + 1)),
                            format: g.png ? .png : .jpeg))
                }
            }

            // MARK: catalog side
            guard migrated else { continue }
            let images = [preview] + gallery
            let catalogImages = [original] + gallery
            func catalogRow(
                name: String = name, price: Int = priceTenge * 100, shop: Int = seller,
                width: Int = width, height: Int = height, enabled: Bool,
                image: String? = original.url
            ) throws {
                let p = c(.product)
                p.int(id); p.int(shop); p.text(name); p.int(price); p.text("FLOWERS"); p.null()
                p.int(vitrina ? nil : width); p.int(vitrina ? nil : height); p.bool(enabled); p.bool(false)
                p.text("[]"); p.text("[]"); p.text("[]"); p.text("[]"); p.text(image); p.timestamp(sync)
                p.timestamp(sync)
                try p.endRow()
            }
            func imageRows() throws {
                let pi = c(.productImage)
                for (k, f) in catalogImages.enumerated() {
                    productImageID += 1
                    pi.int(productImageID); pi.int(id); pi.text(f.url); pi.int(k); pi.bool(k == 0); pi.timestamp(sync)
                    try pi.endRow()
                }
            }
            func embeddingRow(model: String = WorldIDs.modelVersion, source: String = original.url) throws {
                embeddingID += 1
                let em = c(.productEmbeddings)
                em.int(embeddingID); em.int(id); em.realArray(vector ?? embedding(bouquet: bouquet)); em.text("image")
                em.text(model); em.text(source); em.timestamp(sync + 5); em.timestamp(sync + 5)
                try em.endRow()
            }

            switch drift {
            case nil:
                if effective {
                    try catalogRow(enabled: true)
                    try imageRows()
                    try embeddingRow()
                    cleanPools[seller, default: []].append(Int32(productIDs.count - 1))
                    if seller == WorldIDs.cvetyShop && hardNegative == nil {
                        lastDuplicateSource = (id, bouquet, preview.path)
                    }
                } else if everSynced {
                    try catalogRow(enabled: false)
                    try imageRows()
                }
            case .lostCreate?:
                plant(.init(kind: .productMissing, key: String(id), bitrix: name, cause: "lost_create"))
            case .lostDelete?:
                try catalogRow(enabled: true, image: nil)
                plant(.init(kind: .productOrphan, key: String(id), catalog: name, cause: "lost_delete"))
            case .lostDeactivation?:
                try catalogRow(enabled: true)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "enabled", bitrix: "N", catalog: "true",
                        cause: "lost_deactivation"))
            case .nbspPrice?:
                try catalogRow(price: 0, enabled: true)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "price", bitrix: String(priceTenge * 100),
                        catalog: "0", cause: "nbsp_price"))
            case .commaPrice?:
                try catalogRow(price: priceTenge * 10_000, enabled: true)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "price", bitrix: String(priceTenge * 100),
                        catalog: String(priceTenge * 10_000), cause: "decimal_comma"))
            case .renamed?:
                let other = "Архив: " + productName(&r)
                try catalogRow(name: other, enabled: true)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "name", bitrix: name, catalog: other,
                        cause: "renamed_in_catalog"))
            case .createFallback?:
                try catalogRow(enabled: true)
                try embeddingRow()
                plant(
                    .init(
                        kind: .productImagesMissing, key: String(id), field: "images",
                        bitrix: String(images.count), catalog: "0", cause: "create_fallback"))
            case .wrongShop?:
                try catalogRow(shop: WorldIDs.railwayShop, enabled: true)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .productShop, key: String(id), field: "shop_id", bitrix: String(seller),
                        catalog: String(WorldIDs.railwayShop), cause: "webhook_shop_8"))
            case .embeddingMissing?:
                try catalogRow(enabled: true)
                try imageRows()
                plant(.init(kind: .embeddingMissing, key: String(id), bitrix: preview.url, cause: "reindex_failed"))
            case .embeddingStaleURL?:
                try catalogRow(enabled: true)
                try imageRows()
                let old = WorldIDs.imageHost + file(WorldIDs.firstFile + 4 * i + 3).path
                try embeddingRow(source: old)
                plant(
                    .init(
                        kind: .embeddingStale, key: String(id), field: "source_url", bitrix: preview.url,
                        catalog: old, cause: "image_reuploaded"))
            case .embeddingStaleModel?:
                try catalogRow(enabled: true)
                try imageRows()
                try embeddingRow(model: "clip-vit-b32")
                plant(
                    .init(
                        kind: .embeddingStale, key: String(id), field: "model_version",
                        bitrix: WorldIDs.modelVersion, catalog: "clip-vit-b32", cause: "old_model"))
            case .embeddingOfDisabled?:
                try catalogRow(enabled: false)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .embeddingOrphan, key: String(id), catalog: "enabled=false",
                        cause: "disabled_product"))
            case .corruptImage?, .missingImage?, .nearDuplicate?:
                try catalogRow(enabled: true)
                try imageRows()
                try embeddingRow()
            case .widthEdited?:
                let other = width + r.int(1...5) * 5
                try catalogRow(width: other, enabled: true)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "width", bitrix: "\(width) см",
                        catalog: String(other), cause: "dimension_edited_in_catalog"))
            case .heightEdited?:
                let other = height + r.int(1...5) * 5
                try catalogRow(height: other, enabled: true)
                try imageRows()
                try embeddingRow()
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "height", bitrix: "\(height) см",
                        catalog: String(other), cause: "dimension_edited_in_catalog"))
            case .imageReuploaded?:
                try catalogRow(enabled: true)
                try imageRows()
                try embeddingRow(source: original.url)
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "image", bitrix: preview.url,
                        catalog: original.url, cause: "image_reuploaded"))
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "images",
                        bitrix: images.map(\.url).joined(separator: " "),
                        catalog: catalogImages.map(\.url).joined(separator: " "), cause: "image_reuploaded"))
            case .windowExpired?:
                try catalogRow(enabled: true)
                try imageRows()
                try embeddingRow()
                var to = [UInt8]()
                guard let expiry = activeTo else { preconditionFailure("windowExpired sets ACTIVE_TO") }
                to.append(dateTime: expiry)
                plant(
                    .init(
                        kind: .productField, key: String(id), field: "enabled",
                        bitrix: "ACTIVE=Y, ACTIVE_TO \(String(decoding: to, as: UTF8.self))", catalog: "true",
                        cause: "active_to_passed"))
            }
        }

        plantShop = WorldIDs.cvetyShop
        try writeLocalProducts(collisions: collisionCandidates)
    }

    private func writeFiles(preview: FileRef, gallery: [FileRef], created: Int, r: inout WorldRandom) throws {
        let f = b(.file)
        // In id order (the table's primary key, as mariadb-dump prints it): a re-uploaded preview has the last slot.
        for (k, ref) in ([preview] + gallery).sorted(by: { $0.id < $1.id }).enumerated() {
            f.beginRow()
            f.int(ref.id); f.dateTime(created + k); f.string("iblock"); f.int(545); f.int(435)
            f.int(r.int(18_000...140_000)); f.string(ref.png ? "image/png" : "image/jpeg")
            f.string(String(ref.path.dropFirst("upload/".count).prefix("iblock/abc".count)))
            guard let fileName = ref.path.split(separator: "/").last else {
                preconditionFailure("a file path ends in its file name")
            }
            f.string(String(fileName))
            let original =
                r.chance(0.2)
                ? "букет \(r.int(1...99)).\(ref.png ? "png" : "jpg")"
                : "IMG_\(r.int(1000...9999)).\(ref.png ? "PNG" : "JPG")"
            f.string(original); f.string(""); f.null(); f.string(hex(&r, 32))
            try f.endRow()
        }
    }

    private func writeProperties(
        id: Int, seller: Int, vitrina: Bool, width: Int, height: Int, gallery: [FileRef],
        priceTenge: Int
    ) throws {
        let v = b(.iblockElementProperty)
        func value(_ prop: Int, _ text: String, number: Int? = nil) throws {
            propertyValueID += 1
            v.beginRow()
            v.int(propertyValueID); v.int(prop); v.int(id); v.string(text); v.string("text"); v.null()
            if let number { v.decimal(number * 10_000, scale: 4) } else { v.null() }
            v.null()
            try v.endRow()
        }
        try value(WorldIDs.propSeller, String(seller), number: seller)
        if vitrina {
            try value(WorldIDs.propIsReady, "Y")
            try value(WorldIDs.propWidth, String(width))
            try value(WorldIDs.propHeight, String(height))
        } else {
            try value(WorldIDs.propCatalogWidth, "\(width) см")
            try value(WorldIDs.propCatalogHeight, "\(height) см")
        }
        for g in gallery { try value(WorldIDs.propMorePhoto, String(g.id), number: g.id) }
        try value(WorldIDs.propPrice, priceString(priceTenge))
    }

    private func writeCatalogRows(id: Int, iblock: Int, priceTenge: Int, created: Int, r: inout WorldRandom) throws {
        let p = b(.catalogProduct)
        p.beginRow()
        p.int(id); p.double(whole: r.int(0...20)); p.string("N"); p.double(whole: 0); p.dateTime(created + 60)
        p.string("S"); p.null(); p.string("D"); p.null(); p.string("N"); p.string("Y"); p.int(0); p.string("Y")
        p.string("N"); p.string("D"); p.null(); p.null(); p.null(); p.string("N"); p.double(whole: 0); p.null()
        p.null(); p.null(); p.null(); p.int(5); p.int(iblock == 27 ? 4 : 1); p.string("Y"); p.string("N")
        try p.endRow()

        let c = b(.catalogPrice)
        func price(group: Int, scaled: Int, currency: String) throws {
            priceID += 1
            c.beginRow()
            c.int(priceID); c.int(id); c.null(); c.int(group); c.decimal(scaled, scale: 2); c.string(currency)
            c.dateTime(created + 60); c.null(); c.null(); c.null(); c.decimal(scaled * 10_000_000_000, scale: 12)
            try c.endRow()
        }
        try price(group: 1, scaled: priceTenge * 100, currency: "KZT")
        if r.chance(0.03) { try price(group: 3, scaled: priceTenge * 100 / 480, currency: "USD") }
        if r.chance(0.02) { try price(group: 2, scaled: priceTenge * 100 / 6, currency: "RUB") }
    }

    /// Products created in the catalog only: a few ordinary local products (small ids from product_id_seq),
    /// local products (shop 8) whose ids collide with Bitrix elements of catalog sellers that the catalog
    /// never received (reported in the seller's shop), embeddings of absent products, and the sequence
    /// planted inside the Bitrix id range.
    private func writeLocalProducts(collisions: [(id: Int, name: String, seller: Int)]) throws {
        let now = WorldClock.snapshot - 86_400 * 20
        let p = c(.product)
        let em = c(.productEmbeddings)
        for local in 1...5 {
            let image = "https://flower-shop-images.alekenov.workers.dev/local-\(local).png"
            p.int(local); p.int(WorldIDs.railwayShop); p.text("Локальный букет №\(local)"); p.int(1_500_000)
            p.text("FLOWERS"); p.text("Создан в админке Railway"); p.null(); p.null(); p.bool(true); p.bool(false)
            p.text("[]"); p.text("[]"); p.text("[]"); p.text("[]"); p.text(image); p.timestamp(now)
            p.timestamp(now)
            try p.endRow()
            embeddingID += 1
            em.int(embeddingID); em.int(local); em.realArray(embedding(bouquet: UInt64(local) ^ seed)); em.text("image")
            em.text(WorldIDs.modelVersion); em.text(image); em.timestamp(now); em.timestamp(now)
            try em.endRow()
        }
        for (k, collision) in collisions.sorted(by: { $0.id < $1.id }).enumerated() {
            let name = "Тестовый букет \(k + 1)"
            p.int(collision.id); p.int(WorldIDs.railwayShop); p.text(name); p.int(100_000); p.text("FLOWERS")
            p.null(); p.null(); p.null(); p.bool(true); p.bool(false); p.text("[]"); p.text("[]"); p.text("[]")
            p.text("[]"); p.null(); p.timestamp(now + k); p.timestamp(now + k)
            try p.endRow()
            plantShop = collision.seller
            plant(
                .init(
                    kind: .productIDCollision, key: String(collision.id), bitrix: collision.name, catalog: name,
                    cause: "local_id_in_bitrix_range"))
        }
        plantShop = WorldIDs.cvetyShop
        for k in 1...2 {
            let absent = WorldIDs.firstElement + 3 * (scale.products - k) + 2
            embeddingID += 1
            em.int(embeddingID); em.int(absent); em.realArray(embedding(bouquet: UInt64(absent) ^ seed))
            em.text("image"); em.text(WorldIDs.modelVersion); em.text(WorldIDs.imageHost + file(absent).path)
            em.timestamp(now); em.timestamp(now)
            try em.endRow()
            plant(.init(kind: .embeddingOrphan, key: String(absent), cause: "absent_product"))
        }
    }

    /// The `product_id_seq` value the world plants: inside the Bitrix element range.
    var plantedProductSequence: Int { WorldIDs.firstElement + 3 * (scale.products / 2) + 1 }

    /// A product gone from both sides (for dangling order lines): an id from the free `+2` slots at the start
    /// of the range, with no `b_iblock_element` row and no catalog `product` row.
    func deletedProduct() -> (id: Int, name: String, price: Int) {
        let id = WorldIDs.firstElement + 3 * nextFreeSlot + 2
        nextFreeSlot += 1
        return (id, "Снятый с продажи букет \(nextFreeSlot)", 9900)
    }
}
