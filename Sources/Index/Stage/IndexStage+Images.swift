import BackstopExtract
import BackstopModel
import Foundation
import Logging
import Synchronization

extension IndexStage {
    /// Per-product result of the image pass, filled by one worker and read after the batch.
    struct ImageWork: Sendable {
        /// The main image's SHA-256 (hex), when it was fetched; the key that decides "unchanged".
        var sha256: String?
        /// Why the main image could not be used (unreachable, not an image, corrupt); reported as
        /// `image.unreachable` with field `image`.
        var failure: ImageFailure?
        /// The image's ``ImageDescriptor`` when it was decoded or a saved one reused; dropped after the batch
        /// (vectors are kept, descriptors only while refitting).
        var descriptor: [Float]?
        /// The luma perceptual hash, computed with the descriptor (``ImageFingerprint/lumaHash(_:)``).
        var lumaHash: UInt64?
        /// Whether the picture is grayscale (``ImageFingerprint/lumaKey(_:)``).
        var grayscale = false
        /// The image's bytes, kept only when a production provider will embed them.
        var bytes: [UInt8]?
        /// Gallery images (`images`) that could not be fetched or decoded; each an `image.unreachable` with
        /// field `images`.
        var galleryFailures: [(url: String, failure: ImageFailure)] = []
        /// Whether the descriptor came from an unfinished refit's saved descriptors (same bytes), not a decode.
        var reused = false
    }

    /// What the image pass leaves for similarity and the production vectors.
    struct ImagePass {
        /// `unreachable` findings (main and gallery images), in product order.
        var findings: [IndexFinding] = []
        /// One result per target product, in target order.
        var works: [ImageWork] = []
        /// Each product's local vector: this run's, or the stored one when its image is unchanged.
        var vectorsByProduct: [Int64: [Float]] = [:]
        /// Each product's luma perceptual hash: this run's, or the stored one when its image is unchanged (the
        /// colour-blind candidate source, ``DuplicateCandidates``).
        var lumaHashes: [Int64: UInt64] = [:]
        /// The products whose picture is grayscale (this run's decode, or stored).
        var grayscale: Set<Int64> = []
        /// The local model the vectors come from (nil when no image could be decoded for a fit).
        var model: LocalEmbeddingModel?
        /// Whether this run refitted the model (a full run, or the first one).
        var refitting = false
        /// The stored local vectors, as read before the pass.
        var stored: [Int64: IndexStore.StoredVector] = [:]
        /// The image hash each product's production vector was computed from (empty without a provider).
        var productionSHA: [Int64: String] = [:]
    }

    /// The image pass: fetches, checks and decodes every target's images in batches (saving each batch's vectors,
    /// or a refit's descriptors, before the next), fits the local model when refitting, and embeds.
    ///
    /// An image is decoded only when something depends on it: a refit (every image), a changed image (its
    /// SHA-256, URL or the model version differ from the stored vector's), or a stored vector without a luma
    /// hash. An unchanged image keeps its stored vector and hash. A refit resumes: descriptors an unfinished
    /// refit saved for the same bytes, descriptor version and codec versions are reused. After the pass,
    /// stored vectors of this shop's products that are no longer targets (or whose image now fails), and of
    /// products gone from the catalog, are deleted.
    ///
    /// Workers: `options.workers`, else one per core for a local mirror, else the fetcher's concurrency for
    /// the network. Progress is reported per image; stopping is checked between batches only, so each
    /// saved batch is whole.
    ///
    /// - Parameters:
    ///   - fetcher: Where the bytes come from (mirror, cache, network).
    ///   - targets: The products to index, in product-id order.
    ///   - productsByID: Every catalog product by id (a stored vector of another shop's product is kept).
    ///   - store: Backstop's index tables; `nil` for a run that keeps nothing (tests).
    ///   - runID: The run saving the vectors, for the ledger's bookkeeping.
    ///   - outcome: Counts and timings the stage reports; updated in place.
    /// - Returns: The findings, per-product results and vectors for the similarity and production passes.
    /// - Throws: ``IndexError`` of code `stopped` between batches when asked to stop; `PGError` from the store.
    func runImages(
        fetcher: ImageFetcher, targets: [CanonicalProduct], productsByID: [Int64: CanonicalProduct],
        store: IndexStore?, runID: Int64?, outcome: inout Outcome
    ) throws -> ImagePass {
        var findings: [IndexFinding] = []
        var vectorsByProduct: [Int64: [Float]] = [:]
        var lumaHashes: [Int64: UInt64] = [:]
        var grayscale: Set<Int64> = []
        var works: [ImageWork] = []
        let started = DispatchTime.now().uptimeNanoseconds
        let stored = try store?.vectors() ?? [:]
        var model = options.mode == .full ? nil : try store?.currentModel()
        if model == nil && options.mode == .incremental {
            logger.notice("no local embedding model yet: fitting one on this run's images")
        }
        // A refit needs every image's descriptor first: they are saved batch by batch, and an unfinished
        // refit's saved descriptors are reused where the image bytes still match.
        let refitting = model == nil
        let saved: [Int64: IndexStore.StoredDescriptor]
        if refitting, let store {
            let marker = IndexStore.ReindexProgress(
                mode: options.mode.rawValue, descriptorVersion: ImageDescriptor.version,
                codecs: ImageCodecVersions.current.description, images: targets.count, runID: runID)
            if let unfinished = try store.reindexProgress(),
                unfinished.descriptorVersion == marker.descriptorVersion,
                unfinished.codecs == marker.codecs
            {
                saved = try store.descriptors(version: ImageDescriptor.version)
                logger.notice(
                    "resuming an unfinished refit",
                    metadata: [
                        "refit.run": "\(unfinished.runID.map(String.init) ?? "-")",
                        "refit.saved": "\(saved.count)",
                    ])
            } else {
                try store.beginRefit(marker)
                saved = [:]
            }
        } else {
            saved = [:]
        }
        let productionSHA = options.provider != nil ? (try store?.productionState() ?? [:]) : [:]
        let currentVersion = model?.version
        let provider = options.provider
        let done = Atomic<Int>(0)
        let workers =
            options.workers
            ?? (fetcher.options.mirror != nil && !fetcher.options.allowNetwork
                ? ProcessInfo.processInfo.activeProcessorCount : fetcher.options.concurrency)
        let progress = options.progress
        let size = ImageDescriptor.decodeSize
        let total = targets.count
        let batchSize = max(1, options.batchSize)
        var descriptors: [Int64: [Float]] = [:]  // a refit's descriptors, by product
        works.reserveCapacity(total)
        for batchStart in stride(from: 0, to: total, by: batchSize) {
            let batch = batchStart..<min(total, batchStart + batchSize)
            let work = ResultSlots<ImageWork>(count: batch.count)
            WorkLoop.forEach(batch.count, concurrency: workers) { offset in
                let product = targets[batch.lowerBound + offset]
                let url = product.image ?? ""
                var result = ImageWork()
                switch fetcher.fetch(url) {
                case .failure(let failure):
                    result.failure = failure
                case .success(let image):
                    result.sha256 = image.sha256
                    let previous = stored[product.id]
                    let unchanged =
                        previous.map {
                            $0.imageSHA256 == image.sha256 && $0.sourceURL == url
                                && $0.modelVersion == currentVersion && $0.lumaHash != nil
                        } ?? false
                    if let descriptor = saved[product.id], refitting, descriptor.imageSHA256 == image.sha256,
                        let lumaHash = descriptor.lumaHash
                    {
                        result.descriptor = descriptor.descriptor
                        result.lumaHash = lumaHash
                        result.grayscale = descriptor.grayscale
                        result.reused = true
                    } else if refitting || !unchanged {
                        do {
                            let decoded = try ImageDecoder.decode(
                                image.bytes, minWidth: size.width, minHeight: size.height,
                                productID: product.id, url: url)
                            result.descriptor = ImageDescriptor.describe(decoded)
                            let key = ImageFingerprint.lumaKey(decoded)
                            result.lumaHash = key.hash
                            result.grayscale = key.grayscale
                        } catch {
                            result.failure = .corrupt("\(error)")
                        }
                    }
                    if provider != nil && result.failure == nil {
                        result.bytes = image.bytes
                    }
                }
                for galleryURL in product.images where galleryURL != url && !galleryURL.isEmpty {
                    switch fetcher.fetch(galleryURL) {
                    case .failure(let failure): result.galleryFailures.append((galleryURL, failure))
                    case .success(let image):
                        do {
                            _ = try ImageDecoder.decode(image.bytes, minWidth: size.width, minHeight: size.height)
                        } catch {
                            result.galleryFailures.append((galleryURL, .corrupt("\(error)")))
                        }
                    }
                }
                work.set(offset, result)
                let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
                progress?(finished, total)
            }

            // Keep what the batch computed: descriptors while refitting, vectors otherwise.
            var batchDescriptors: [IndexStore.StoredDescriptor] = []
            var batchVectors: [IndexStore.StoredVector] = []
            for (offset, slot) in work.values.enumerated() {
                var result = slot ?? ImageWork(failure: .network("not processed"))
                let product = targets[batch.lowerBound + offset]
                if result.failure == nil, let sha = result.sha256 {
                    if let descriptor = result.descriptor {
                        lumaHashes[product.id] = result.lumaHash
                        if result.grayscale { grayscale.insert(product.id) }
                        if result.reused {
                            outcome.descriptorsReused += 1
                        } else {
                            outcome.imagesDecoded += 1
                        }
                        if refitting {
                            descriptors[product.id] = descriptor
                            if !result.reused {
                                batchDescriptors.append(
                                    .init(
                                        productID: product.id, imageSHA256: sha, descriptor: descriptor,
                                        lumaHash: result.lumaHash, grayscale: result.grayscale))
                            }
                        } else if let model {
                            let vector = model.embed(descriptor: descriptor)
                            vectorsByProduct[product.id] = vector
                            batchVectors.append(
                                .init(
                                    productID: product.id, sourceURL: product.image ?? "", imageSHA256: sha,
                                    modelVersion: model.version, vector: vector, lumaHash: result.lumaHash,
                                    grayscale: result.grayscale))
                            outcome.reembedded.append(product.id)
                        }
                    } else if let previous = stored[product.id] {
                        vectorsByProduct[product.id] = previous.vector
                        lumaHashes[product.id] = previous.lumaHash
                        if previous.grayscale { grayscale.insert(product.id) }
                    }
                }
                result.descriptor = nil
                works.append(result)
            }
            try store?.saveDescriptors(batchDescriptors, version: ImageDescriptor.version, runID: runID)
            try store?.upsert(batchVectors, runID: runID)

            if batch.upperBound < total,
                options.shouldStop?() == true
                    || options.stopAfterImages.map({ outcome.imagesDecoded >= $0 }) == true
            {
                try? fetcher.saveCache()
                throw IndexError(
                    .stopped,
                    "stopped after \(batch.upperBound) of \(total) images (\(outcome.imagesDecoded) decoded, "
                        + "\(outcome.descriptorsReused) descriptors reused); "
                        + (refitting ? "their descriptors are saved" : "their vectors are saved")
                        + " and the next run resumes")
            }
        }
        try? fetcher.saveCache()
        outcome.imagesFetched = works.filter { $0.sha256 != nil }.count

        for (index, product) in targets.enumerated() {
            let result = works[index]
            if let failure = result.failure {
                findings.append(
                    .unreachable(productID: product.id, field: "image", url: product.image ?? "", failure: failure))
            }
            for gallery in result.galleryFailures {
                findings.append(
                    .unreachable(productID: product.id, field: "images", url: gallery.url, failure: gallery.failure)
                )
            }
        }

        // Fit (full run, or the first run) on every decoded image, in product-id order; then embed them all.
        if refitting {
            let inputs = targets.compactMap { descriptors[$0.id] }
            if !inputs.isEmpty {
                let ours = try LocalEmbeddingModel.fit(descriptors: inputs)
                // A first fit adopts a model another run (a concurrent partition) made current meanwhile.
                let fitted =
                    try store?.makeCurrent(ours, runID: runID, adoptingConcurrentFit: options.mode == .incremental)
                    ?? ours
                if fitted.version == ours.version {
                    logger.info(
                        "local embedding model fitted",
                        metadata: ["model.version": "\(fitted.version)", "model.images": "\(inputs.count)"])
                } else {
                    logger.notice(
                        "another run made its model current while this one was fitting: embedding with it",
                        metadata: ["model.version": "\(fitted.version)", "model.discarded": "\(ours.version)"])
                }
                model = fitted
                var fresh: [IndexStore.StoredVector] = []
                for (index, product) in targets.enumerated() {
                    guard let descriptor = descriptors[product.id], let sha = works[index].sha256 else { continue }
                    let vector = fitted.embed(descriptor: descriptor)
                    vectorsByProduct[product.id] = vector
                    fresh.append(
                        .init(
                            productID: product.id, sourceURL: product.image ?? "", imageSHA256: sha,
                            modelVersion: fitted.version, vector: vector, lumaHash: works[index].lumaHash,
                            grayscale: works[index].grayscale))
                    outcome.reembedded.append(product.id)
                }
                descriptors = [:]
                for batch in stride(from: 0, to: fresh.count, by: batchSize) {
                    try store?.upsert(Array(fresh[batch..<min(fresh.count, batch + batchSize)]), runID: runID)
                }
            }
        }
        if let model {
            outcome.modelVersion = model.version
            // Only this shop's vectors, and those of products gone from the catalog: in a fleet run every
            // shop's stage shares the catalog-wide table, and another shop's vectors are that shop's to keep.
            let gone = stored.keys.filter { id in
                vectorsByProduct[id] == nil && (productsByID[id].map { $0.shopID == options.shopID } ?? true)
            }.sorted()
            try store?.deleteVectors(productIDs: gone)
        }
        outcome.imageSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return ImagePass(
            findings: findings, works: works, vectorsByProduct: vectorsByProduct, lumaHashes: lumaHashes,
            grayscale: grayscale, model: model, refitting: refitting, stored: stored, productionSHA: productionSHA)
    }
}
