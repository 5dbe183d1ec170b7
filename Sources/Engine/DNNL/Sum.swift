import CDNNL

/// oneDNN's n-ary sum, for the `add` layer and for adding gradients where a tensor fans out.
enum Sum {
    /// destination = Σ sources (destination may be one of the sources: in-place accumulation).
    static func make(_ sources: [Tensor], into destination: Tensor) throws -> Primitive {
        var dst = destination.desc.raw
        var srcs = sources.map { $0.desc.raw }
        let scales = [Float](repeating: 1, count: sources.count)
        var pd: dnnl_primitive_desc_t?
        let attr = try Attributes.make()
        defer { dnnl_primitive_attr_destroy(attr) }
        try dnnl(
            dnnl_sum_primitive_desc_create(
                &pd, &dst, Int32(sources.count), scales, &srcs, attr, DNNLContext.shared.engine), "sum")
        var args: [(Int32, Tensor)] = sources.enumerated().map { (DNNL_ARG_MULTIPLE_SRC + Int32($0.offset), $0.element) }
        args.append((DNNL_ARG_DST, destination))
        return try Primitive(descriptor: PrimitiveDescriptor(adopting: pd!), args: args)
    }
}

/// Copies a whole tensor (same descriptor) on the OpenMP team.
func copyTensor(_ source: Tensor, into destination: Tensor) {
    precondition(source.desc == destination.desc)
    let n = source.floatCount
    let from = source.floats
    let to = destination.floats
    Parallel.forEach(n, grain: 1 << 16) { range in
        (to + range.lowerBound).update(from: from + range.lowerBound, count: range.count)
    }
}
