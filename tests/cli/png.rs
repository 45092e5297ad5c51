//! Just enough of a PNG reader for the screenshot test: 8-bit greyscale, RGB or RGBA,
//! not interlaced (what Chromium writes), decoded to RGB pixels.

use std::io::Read as _;

pub struct Image {
    pub width: u32,
    pub height: u32,
    /// RGB, row by row.
    rgb: Vec<u8>,
}

impl Image {
    pub fn pixels(&self) -> Vec<[u8; 3]> {
        self.rgb
            .chunks_exact(3)
            .map(|p| [p[0], p[1], p[2]])
            .collect()
    }
}

fn be32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(bytes[..4].try_into().unwrap())
}

pub fn decode(file: &[u8]) -> Image {
    assert_eq!(&file[..8], b"\x89PNG\r\n\x1a\n", "not a PNG file");
    let (mut width, mut height, mut channels) = (0, 0, 0);
    let mut data = Vec::new();
    let mut at = 8;
    while at + 8 <= file.len() {
        let len = be32(&file[at..]) as usize;
        let kind = &file[at + 4..at + 8];
        let body = &file[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = be32(body);
                height = be32(&body[4..]);
                assert_eq!(body[8], 8, "8 bits per channel");
                channels = match body[9] {
                    0 => 1,
                    2 => 3,
                    6 => 4,
                    other => panic!("PNG colour type {other} not supported"),
                };
                assert_eq!(body[12], 0, "interlaced PNG not supported");
            }
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&data[..])
        .read_to_end(&mut raw)
        .expect("PNG data inflates");
    let stride = width as usize * channels;
    assert_eq!(raw.len(), (stride + 1) * height as usize, "PNG data size");
    let mut out = vec![0u8; stride * height as usize];
    for y in 0..height as usize {
        let filter = raw[y * (stride + 1)];
        let line = &raw[y * (stride + 1) + 1..(y + 1) * (stride + 1)];
        for x in 0..stride {
            let a = if x >= channels {
                out[y * stride + x - channels]
            } else {
                0
            };
            let b = if y > 0 { out[(y - 1) * stride + x] } else { 0 };
            let c = if x >= channels && y > 0 {
                out[(y - 1) * stride + x - channels]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => paeth(a, b, c),
                other => panic!("PNG filter {other}"),
            };
            out[y * stride + x] = line[x].wrapping_add(predicted);
        }
    }
    let rgb = match channels {
        1 => out.iter().flat_map(|&g| [g, g, g]).collect(),
        3 => out,
        _ => out
            .chunks_exact(4)
            .flat_map(|p| {
                // Over white, as the page is.
                let blend = |c: u8| {
                    ((u16::from(c) * u16::from(p[3]) + 255 * (255 - u16::from(p[3]))) / 255) as u8
                };
                [blend(p[0]), blend(p[1]), blend(p[2])]
            })
            .collect(),
    };
    Image { width, height, rgb }
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
