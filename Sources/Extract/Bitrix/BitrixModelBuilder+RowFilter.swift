extension BitrixModelBuilder {
    /// The dump reader's pre-filter for this builder (``DumpReader/Options/rowFilter``): basket lines and
    /// order property values of orders it has not kept are skimmed by the reader instead of materialised.
    ///
    /// Once `b_sale_order` was read, only the kept orders' lines and values can be kept (``consumeBasket(_:_:)``
    /// and ``consumeOrderProp(_:_:)`` drop the others), so the reader is told to hand out only those; before
    /// it (a dump in another table order) the filter keeps everything. Rows whose `ORDER_ID` is NULL or not
    /// an integer still arrive, and so do basket lines whose `ID` is not an integer (``consumeBasket(_:_:)``
    /// reports those before it looks at the order), so the builder's problems are unchanged. On the
    /// `m` world this spares materialising 11 M of the 14 M rows a diff reads.
    ///
    /// The filter's supplier reads this builder: use it only with a stream this builder consumes (its
    /// supplier runs on the consuming thread).
    /// - Returns: The filter to set on the reader's options.
    public func rowFilter() -> DumpRowFilter {
        DumpRowFilter(
            keyColumns: ["b_sale_basket": "ORDER_ID", "b_sale_order_props_value": "ORDER_ID"],
            idColumns: ["b_sale_basket": "ID"]
        ) { [unowned self] _ in
            self.sawOrders ? Set(self.orders.keys) : nil
        }
    }
}
