#include "cpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Design note: each public function owns a state struct on its own stack and calls a
 * `*_protected` helper that does the setjmp. Everything that changes after setjmp lives in
 * that struct (reached through a pointer), so nothing depends on the value of a
 * non-volatile local after longjmp, and the public function frees it all on either path.
 */

/* The deflate format cannot expand one input byte to more than ~1032 output bytes. */
#define CPNG_MAX_DEFLATE_RATIO 1100u

struct err_sink {
    char *err;
    size_t err_len;
    const char *prefix;  /* prepended to libpng's own messages */
    int truncated;       /* set by the read callback when the input runs out */
};

static void set_err(struct err_sink *sink, const char *fmt, ...) {
    if (sink->err == NULL || sink->err_len == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sink->err, sink->err_len, fmt, ap);
    va_end(ap);
}

static void error_cb(png_structp png, png_const_charp msg) {
    struct err_sink *sink = (struct err_sink *)png_get_error_ptr(png);
    if (sink != NULL) {
        if (sink->truncated)
            set_err(sink, "truncated PNG file (data ends early)");
        else
            set_err(sink, "%s%s", sink->prefix, msg != NULL ? msg : "unknown libpng error");
    }
    /* Returning would let libpng print to stderr and then longjmp anyway. */
    png_longjmp(png, 1);
}

/* Warnings (bad gAMA, extra compressed data, ...) never change pixel values we keep. */
static void warning_cb(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static int host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

static uint32_t read_be32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/*
 * Sum of the IDAT payload bytes actually present in the buffer. Used to reject files whose
 * header promises far more pixels than their compressed data could possibly hold, before
 * allocating a buffer for them (a 100-byte file must not cost a gigabyte).
 */
static uint64_t present_idat_bytes(const uint8_t *data, size_t size) {
    uint64_t total = 0;
    size_t pos = 8;
    while (size >= 8 && pos <= size - 8) {
        uint32_t len = read_be32(data + pos);
        const uint8_t *type = data + pos + 4;
        size_t available = size - (pos + 8);
        if (memcmp(type, "IDAT", 4) == 0) total += len < available ? len : available;
        if (memcmp(type, "IEND", 4) == 0) break;
        if ((uint64_t)len + 4 > (uint64_t)available) break;
        pos += 12 + (size_t)len;
    }
    return total;
}

/* ---------------------------------------------------------------- decoding */

struct read_state {
    struct err_sink sink;  /* must stay first: it is libpng's error pointer */
    const uint8_t *data;
    size_t size;
    size_t pos;
    uint32_t max_side;
    uint64_t max_pixels;
    png_structp png;
    png_infop info;
    uint8_t *pixels;
    png_bytep *rows;
    cpng_image result;
};

static void read_cb(png_structp png, png_bytep out, size_t n) {
    struct read_state *st = (struct read_state *)png_get_io_ptr(png);
    if (n > st->size - st->pos) {
        st->sink.truncated = 1;
        png_error(png, "unexpected end of data");
    }
    memcpy(out, st->data + st->pos, n);
    st->pos += n;
}

static int decode_protected(struct read_state *st) {
    png_structp png = st->png;
    png_infop info = st->info;
    if (setjmp(png_jmpbuf(png))) return -1;

    png_set_read_fn(png, st, read_cb);
    /* Our own size check below gives a clearer message than libpng's limits. */
    png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    /* A bad CRC anywhere means the file is damaged; say so instead of guessing. */
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    /* Skip every ancillary chunk but tRNS: no colour management, no text, no ICC parsing. */
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);

    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int depth = 0, color = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    if (width == 0 || height == 0) {
        set_err(&st->sink, "image has zero width or height");
        return -1;
    }
    if (width > st->max_side || height > st->max_side ||
        (uint64_t)width * height > st->max_pixels) {
        set_err(&st->sink,
                "image is too large: %ux%u (limit is %u pixels per side and %llu pixels in total)",
                (unsigned)width, (unsigned)height, (unsigned)st->max_side,
                (unsigned long long)st->max_pixels);
        return -1;
    }

    int file_channels = png_get_channels(png, info);
    uint64_t raw_bits = (uint64_t)width * height * (uint64_t)file_channels * (uint64_t)depth;
    uint64_t idat = present_idat_bytes(st->data, st->size);
    if (idat * CPNG_MAX_DEFLATE_RATIO + 4096 < raw_bits / 8) {
        set_err(&st->sink,
                "truncated or corrupt PNG: a %ux%u image cannot fit in %llu bytes of image data",
                (unsigned)width, (unsigned)height, (unsigned long long)idat);
        return -1;
    }

    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16 && host_is_little_endian()) png_set_swap(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (out_depth != 8 && out_depth != 16) ||
        rowbytes != (size_t)width * (size_t)channels * (size_t)(out_depth / 8)) {
        set_err(&st->sink, "unsupported PNG layout (%d channels, %d bits after expansion)",
                channels, out_depth);
        return -1;
    }

    st->pixels = (uint8_t *)malloc(rowbytes * (size_t)height);
    st->rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (st->pixels == NULL || st->rows == NULL) {
        set_err(&st->sink, "out of memory decoding a %ux%u image", (unsigned)width,
                (unsigned)height);
        return -1;
    }
    for (png_uint_32 y = 0; y < height; y++) st->rows[y] = st->pixels + (size_t)y * rowbytes;

    png_read_image(png, st->rows);
    /* Reading to IEND verifies the remaining CRCs and catches files cut after the pixels. */
    png_read_end(png, info);

    st->result.width = width;
    st->result.height = height;
    st->result.channels = channels;
    st->result.bit_depth = out_depth;
    st->result.file_bit_depth = depth;
    st->result.pixels = st->pixels;
    return 0;
}

int cpng_decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                cpng_image *out, char *err, size_t err_len) {
    struct read_state st;
    memset(&st, 0, sizeof st);
    st.sink.err = err;
    st.sink.err_len = err_len;
    st.sink.prefix = "corrupt PNG: ";
    st.data = data;
    st.size = size;
    st.max_side = max_side;
    st.max_pixels = max_pixels;
    if (err != NULL && err_len > 0) err[0] = '\0';
    if (out == NULL) {
        set_err(&st.sink, "internal error: no output image");
        return -1;
    }
    memset(out, 0, sizeof *out);

    if (data == NULL || size < 8) {
        set_err(&st.sink, "truncated PNG file (data ends early)");
        return -1;
    }
    if (png_sig_cmp(data, 0, 8) != 0) {
        set_err(&st.sink, "not a PNG file");
        return -1;
    }

    st.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st.sink, error_cb, warning_cb);
    if (st.png == NULL) {
        set_err(&st.sink, "cannot initialise libpng");
        return -1;
    }
    st.info = png_create_info_struct(st.png);
    if (st.info == NULL) {
        png_destroy_read_struct(&st.png, NULL, NULL);
        set_err(&st.sink, "cannot initialise libpng");
        return -1;
    }

    int rc = decode_protected(&st);
    png_destroy_read_struct(&st.png, &st.info, NULL);
    free(st.rows);
    if (rc != 0) {
        free(st.pixels);
        if (err != NULL && err_len > 0 && err[0] == '\0') set_err(&st.sink, "corrupt PNG");
        return -1;
    }
    *out = st.result;
    return 0;
}

/* ---------------------------------------------------------------- encoding */

struct write_state {
    struct err_sink sink;  /* must stay first: it is libpng's error pointer */
    png_structp png;
    png_infop info;
    png_bytep *rows;
    uint8_t *buf;
    size_t len;
    size_t cap;
};

static void write_cb(png_structp png, png_bytep data, size_t n) {
    struct write_state *st = (struct write_state *)png_get_io_ptr(png);
    if (n > SIZE_MAX - st->len) png_error(png, "output too large");
    if (st->len + n > st->cap) {
        size_t cap = st->cap ? st->cap : 4096;
        while (cap < st->len + n) {
            if (cap > SIZE_MAX / 2) png_error(png, "output too large");
            cap *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(st->buf, cap);
        if (grown == NULL) png_error(png, "out of memory");
        st->buf = grown;
        st->cap = cap;
    }
    memcpy(st->buf + st->len, data, n);
    st->len += n;
}

static void flush_cb(png_structp png) { (void)png; }

static int encode_protected(struct write_state *st, const void *pixels, uint32_t width,
                            uint32_t height, int channels, int bit_depth) {
    png_structp png = st->png;
    png_infop info = st->info;
    if (setjmp(png_jmpbuf(png))) return -1;

    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, st, write_cb, flush_cb);
    png_set_IHDR(png, info, width, height, bit_depth, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth == 16 && host_is_little_endian()) png_set_swap(png);

    size_t rowbytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    st->rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (st->rows == NULL) {
        set_err(&st->sink, "out of memory encoding PNG");
        return -1;
    }
    /* libpng copies each row before transforming it, so the caller's samples stay intact. */
    for (uint32_t y = 0; y < height; y++)
        st->rows[y] = (png_bytep)((const uint8_t *)pixels + (size_t)y * rowbytes);
    png_write_image(png, st->rows);
    png_write_end(png, NULL);
    return 0;
}

int cpng_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                uint8_t **out_data, size_t *out_size, char *err, size_t err_len) {
    struct write_state st;
    memset(&st, 0, sizeof st);
    st.sink.err = err;
    st.sink.err_len = err_len;
    st.sink.prefix = "PNG encoder: ";
    if (err != NULL && err_len > 0) err[0] = '\0';
    if (out_data == NULL || out_size == NULL || pixels == NULL) {
        set_err(&st.sink, "internal error: missing buffer");
        return -1;
    }
    *out_data = NULL;
    *out_size = 0;
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        set_err(&st.sink, "cannot write %d channels at %d bits", channels, bit_depth);
        return -1;
    }
    if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX) {
        set_err(&st.sink, "cannot write a %ux%u image", (unsigned)width, (unsigned)height);
        return -1;
    }

    st.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st.sink, error_cb, warning_cb);
    if (st.png == NULL) {
        set_err(&st.sink, "cannot initialise libpng");
        return -1;
    }
    st.info = png_create_info_struct(st.png);
    if (st.info == NULL) {
        png_destroy_write_struct(&st.png, NULL);
        set_err(&st.sink, "cannot initialise libpng");
        return -1;
    }

    int rc = encode_protected(&st, pixels, width, height, channels, bit_depth);
    png_destroy_write_struct(&st.png, &st.info);
    free(st.rows);
    if (rc != 0) {
        free(st.buf);
        if (err != NULL && err_len > 0 && err[0] == '\0') set_err(&st.sink, "PNG encoder failed");
        return -1;
    }
    *out_data = st.buf;
    *out_size = st.len;
    return 0;
}

void cpng_free(void *p) { free(p); }
