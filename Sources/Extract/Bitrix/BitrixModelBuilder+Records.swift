extension BitrixModelBuilder {
    struct Element {
        var id: Int64
        var iblockID: Int64
        var name: String
        var active: String
        var activeFrom: String?
        var activeTo: String?
        var previewPicture: Int64?
        var detailPicture: Int64?
        var detailText: String?
        var dateCreate: String?
    }

    struct Price {
        var id: Int64
        var group: Int64
        var currency: String
        var kopecks: Kopecks?
        var quantityFrom: Int64
    }

    struct File {
        var subdir: String
        var name: String
    }

    struct PropertyValue {
        var id: Int64
        var elementID: Int64
        var value: String
    }

    struct Order {
        var id: Int64
        var status: String
        var total: Kopecks?
        var delivery: Kopecks?
        var currency: String
        var userID: Int64?
        var xmlID: String?
        var created: String?
    }

    struct BasketLine {
        var id: Int64
        var productID: Int64
        var name: String
        var price: Kopecks
        var quantity: Int64
    }

    struct OrderProp {
        var id: Int64
        var propsID: Int64?
        var code: String?
        var value: String
    }
}

import BackstopModel
