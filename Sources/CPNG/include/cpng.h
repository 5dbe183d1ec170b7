#ifndef CPNG_H
#define CPNG_H

/*
 * A longjmp-free wrapper around libpng for Swift.
 *
 * libpng reports errors by longjmp-ing out of its error callback. Unwinding through Swift
 * frames that way is undefined behaviour, so every libpng call (and the setjmp that catches
 * it) lives in cpng.c. Each entry point returns 0 on success or -1 on failure with a
 * one-line, NUL-terminated reason in the caller's `err` buffer.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A decoded PNG, already expanded to 8- or 16-bit gray, gray+alpha, RGB or RGBA. */
typedef struct {
    uint32_t width;
    uint32_t height;
    /* 1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA (palette and tRNS are expanded). */
    int channels;
    /* Sample size in `pixels`: 8 (uint8_t) or 16 (uint16_t in host byte order). */
    int bit_depth;
    /* Bit depth stored in the file's IHDR (1, 2, 4, 8 or 16). */
    int file_bit_depth;
    /* Row-major, interleaved samples; free with cpng_free. */
    void *pixels;
} cpng_image;

/*
 * Decodes a whole PNG held in memory. Images wider or taller than `max_side`, or with more
 * than `max_pixels` pixels, are refused before any pixel buffer is allocated.
 */
int cpng_decode(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                cpng_image *out, char *err, size_t err_len);

/*
 * Encodes interleaved samples (`channels` 1–4, `bit_depth` 8 or 16; 16-bit samples are
 * uint16_t in host byte order) as a non-interlaced PNG. On success *out_data is a malloc'd
 * buffer of *out_size bytes; free it with cpng_free.
 */
int cpng_encode(const void *pixels, uint32_t width, uint32_t height, int channels, int bit_depth,
                uint8_t **out_data, size_t *out_size, char *err, size_t err_len);

/* Frees buffers returned by cpng_decode and cpng_encode. */
void cpng_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
