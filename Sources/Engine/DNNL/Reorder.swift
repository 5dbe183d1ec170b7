import CDNNL

/// A layout conversion between two tensors of the same logical shape.
///
/// With `accumulate`, the destination keeps its contents and the source is added to it
/// (oneDNN's sum post-op), which is how parameter gradients from shared modules add up.
enum Reorder {
    static func make(from source: Tensor, to destination: Tensor, accumulate: Bool = false) throws -> Primitive {
        let attr = try Attributes.make(accumulate: accumulate)
        defer { dnnl_primitive_attr_destroy(attr) }
        var pd: dnnl_primitive_desc_t?
        var src = source.desc.raw
        var dst = destination.desc.raw
        let engine = DNNLContext.shared.engine
        try dnnl(dnnl_reorder_primitive_desc_create(&pd, &src, engine, &dst, engine, attr), "reorder")
        let descriptor = PrimitiveDescriptor(adopting: pd!)
        return try Primitive(descriptor: descriptor, args: [(DNNL_ARG_FROM, source), (DNNL_ARG_TO, destination)])
    }
}
