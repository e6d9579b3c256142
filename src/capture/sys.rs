//! Raw V4L2 ABI: `#[repr(C)]` mirrors of the parts of `linux/videodev2.h`
//! glasscam uses, plus the ioctl wrappers.
//!
//! Names follow the C header so the kernel documentation applies directly.
//! Anonymous C unions get a named field here (noted on each struct).

// Not every item is used yet; this module mirrors the ABI as a whole.
#![allow(dead_code)]
// C names on purpose, see above.
#![allow(non_camel_case_types)]

use std::fmt;
use std::mem::size_of;

use nix::sys::ioctl::ioctl_num_type;

// ---------------------------------------------------------------------------
// Constants

pub const VIDEO_MAX_PLANES: usize = 8;

// enum v4l2_buf_type
pub const V4L2_BUF_TYPE_VIDEO_CAPTURE: u32 = 1;
pub const V4L2_BUF_TYPE_VIDEO_OUTPUT: u32 = 2;
pub const V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE: u32 = 9;
pub const V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE: u32 = 10;

// enum v4l2_memory
pub const V4L2_MEMORY_MMAP: u32 = 1;
pub const V4L2_MEMORY_USERPTR: u32 = 2;
pub const V4L2_MEMORY_OVERLAY: u32 = 3;
pub const V4L2_MEMORY_DMABUF: u32 = 4;

// enum v4l2_field
pub const V4L2_FIELD_ANY: u32 = 0;
pub const V4L2_FIELD_NONE: u32 = 1;
pub const V4L2_FIELD_TOP: u32 = 2;
pub const V4L2_FIELD_BOTTOM: u32 = 3;
pub const V4L2_FIELD_INTERLACED: u32 = 4;
pub const V4L2_FIELD_SEQ_TB: u32 = 5;
pub const V4L2_FIELD_SEQ_BT: u32 = 6;
pub const V4L2_FIELD_ALTERNATE: u32 = 7;
pub const V4L2_FIELD_INTERLACED_TB: u32 = 8;
pub const V4L2_FIELD_INTERLACED_BT: u32 = 9;

// v4l2_capability.capabilities / device_caps
pub const V4L2_CAP_VIDEO_CAPTURE: u32 = 0x0000_0001;
pub const V4L2_CAP_VIDEO_OUTPUT: u32 = 0x0000_0002;
pub const V4L2_CAP_VIDEO_CAPTURE_MPLANE: u32 = 0x0000_1000;
pub const V4L2_CAP_VIDEO_OUTPUT_MPLANE: u32 = 0x0000_2000;
pub const V4L2_CAP_VIDEO_M2M_MPLANE: u32 = 0x0000_4000;
pub const V4L2_CAP_VIDEO_M2M: u32 = 0x0000_8000;
pub const V4L2_CAP_READWRITE: u32 = 0x0100_0000;
pub const V4L2_CAP_STREAMING: u32 = 0x0400_0000;
pub const V4L2_CAP_DEVICE_CAPS: u32 = 0x8000_0000;

// v4l2_fmtdesc.flags
pub const V4L2_FMT_FLAG_COMPRESSED: u32 = 0x0001;
pub const V4L2_FMT_FLAG_EMULATED: u32 = 0x0002;

// enum v4l2_frmsizetypes
pub const V4L2_FRMSIZE_TYPE_DISCRETE: u32 = 1;
pub const V4L2_FRMSIZE_TYPE_CONTINUOUS: u32 = 2;
pub const V4L2_FRMSIZE_TYPE_STEPWISE: u32 = 3;

// enum v4l2_frmivaltypes
pub const V4L2_FRMIVAL_TYPE_DISCRETE: u32 = 1;
pub const V4L2_FRMIVAL_TYPE_CONTINUOUS: u32 = 2;
pub const V4L2_FRMIVAL_TYPE_STEPWISE: u32 = 3;

// v4l2_captureparm.capability / capturemode
pub const V4L2_MODE_HIGHQUALITY: u32 = 0x0001;
pub const V4L2_CAP_TIMEPERFRAME: u32 = 0x1000;

// v4l2_requestbuffers.capabilities
pub const V4L2_BUF_CAP_SUPPORTS_MMAP: u32 = 1 << 0;
pub const V4L2_BUF_CAP_SUPPORTS_USERPTR: u32 = 1 << 1;
pub const V4L2_BUF_CAP_SUPPORTS_DMABUF: u32 = 1 << 2;

// v4l2_buffer.flags
pub const V4L2_BUF_FLAG_MAPPED: u32 = 0x0000_0001;
pub const V4L2_BUF_FLAG_QUEUED: u32 = 0x0000_0002;
pub const V4L2_BUF_FLAG_DONE: u32 = 0x0000_0004;
pub const V4L2_BUF_FLAG_ERROR: u32 = 0x0000_0040;
pub const V4L2_BUF_FLAG_TIMESTAMP_MASK: u32 = 0x0000_e000;
pub const V4L2_BUF_FLAG_TIMESTAMP_UNKNOWN: u32 = 0x0000_0000;
pub const V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC: u32 = 0x0000_2000;
pub const V4L2_BUF_FLAG_TIMESTAMP_COPY: u32 = 0x0000_4000;
pub const V4L2_BUF_FLAG_TSTAMP_SRC_MASK: u32 = 0x0007_0000;
pub const V4L2_BUF_FLAG_TSTAMP_SRC_EOF: u32 = 0x0000_0000;
pub const V4L2_BUF_FLAG_TSTAMP_SRC_SOE: u32 = 0x0001_0000;
pub const V4L2_BUF_FLAG_LAST: u32 = 0x0010_0000;

// ---------------------------------------------------------------------------
// Structures

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v4l2_capability {
    pub driver: [u8; 16],
    pub card: [u8; 32],
    pub bus_info: [u8; 32],
    pub version: u32,
    pub capabilities: u32,
    pub device_caps: u32,
    pub reserved: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct v4l2_fmtdesc {
    pub index: u32,
    pub type_: u32,
    pub flags: u32,
    pub description: [u8; 32],
    pub pixelformat: u32,
    pub mbus_code: u32,
    pub reserved: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct v4l2_fract {
    pub numerator: u32,
    pub denominator: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct v4l2_frmsize_discrete {
    pub width: u32,
    pub height: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct v4l2_frmsize_stepwise {
    pub min_width: u32,
    pub max_width: u32,
    pub step_width: u32,
    pub min_height: u32,
    pub max_height: u32,
    pub step_height: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_frmsize_union {
    pub discrete: v4l2_frmsize_discrete,
    pub stepwise: v4l2_frmsize_stepwise,
}

/// The C struct's anonymous union is the `size` field here.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct v4l2_frmsizeenum {
    pub index: u32,
    pub pixel_format: u32,
    pub type_: u32,
    pub size: v4l2_frmsize_union,
    pub reserved: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct v4l2_frmival_stepwise {
    pub min: v4l2_fract,
    pub max: v4l2_fract,
    pub step: v4l2_fract,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_frmival_union {
    pub discrete: v4l2_fract,
    pub stepwise: v4l2_frmival_stepwise,
}

/// The C struct's anonymous union is the `interval` field here.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct v4l2_frmivalenum {
    pub index: u32,
    pub pixel_format: u32,
    pub width: u32,
    pub height: u32,
    pub type_: u32,
    pub interval: v4l2_frmival_union,
    pub reserved: [u32; 2],
}

/// `ycbcr_enc` stands for the C union { ycbcr_enc, hsv_enc } (same type).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_pix_format {
    pub width: u32,
    pub height: u32,
    pub pixelformat: u32,
    pub field: u32,
    pub bytesperline: u32,
    pub sizeimage: u32,
    pub colorspace: u32,
    pub priv_: u32,
    pub flags: u32,
    pub ycbcr_enc: u32,
    pub quantization: u32,
    pub xfer_func: u32,
}

// Packed in the kernel header too.
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_plane_pix_format {
    pub sizeimage: u32,
    pub bytesperline: u32,
    pub reserved: [u16; 6],
}

/// Packed like the kernel's. `ycbcr_enc` stands for the C union
/// { ycbcr_enc, hsv_enc } (same type).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug)]
pub struct v4l2_pix_format_mplane {
    pub width: u32,
    pub height: u32,
    pub pixelformat: u32,
    pub field: u32,
    pub colorspace: u32,
    pub plane_fmt: [v4l2_plane_pix_format; VIDEO_MAX_PLANES],
    pub num_planes: u8,
    pub flags: u8,
    pub ycbcr_enc: u8,
    pub quantization: u8,
    pub xfer_func: u8,
    pub reserved: [u8; 7],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_format_fmt {
    pub pix: v4l2_pix_format,
    pub pix_mp: v4l2_pix_format_mplane,
    pub raw_data: [u8; 200],
    // The kernel union also holds v4l2_window, which has pointers: this
    // gives the union pointer alignment (8 on 64-bit, so 208 bytes total)
    // without making the type !Send.
    _align: [libc::c_ulong; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct v4l2_format {
    pub type_: u32,
    pub fmt: v4l2_format_fmt,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_captureparm {
    pub capability: u32,
    pub capturemode: u32,
    pub timeperframe: v4l2_fract,
    pub extendedmode: u32,
    pub readbuffers: u32,
    pub reserved: [u32; 4],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_outputparm {
    pub capability: u32,
    pub outputmode: u32,
    pub timeperframe: v4l2_fract,
    pub extendedmode: u32,
    pub writebuffers: u32,
    pub reserved: [u32; 4],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_streamparm_parm {
    pub capture: v4l2_captureparm,
    pub output: v4l2_outputparm,
    pub raw_data: [u8; 200],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct v4l2_streamparm {
    pub type_: u32,
    pub parm: v4l2_streamparm_parm,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_requestbuffers {
    pub count: u32,
    pub type_: u32,
    pub memory: u32,
    pub capabilities: u32,
    pub flags: u8,
    pub reserved: [u8; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_timecode {
    pub type_: u32,
    pub flags: u32,
    pub frames: u8,
    pub seconds: u8,
    pub minutes: u8,
    pub hours: u8,
    pub userbits: [u8; 4],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_plane_m {
    pub mem_offset: u32,
    pub userptr: libc::c_ulong,
    pub fd: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct v4l2_plane {
    pub bytesused: u32,
    pub length: u32,
    pub m: v4l2_plane_m,
    pub data_offset: u32,
    pub reserved: [u32; 11],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_buffer_m {
    pub offset: u32,
    pub userptr: libc::c_ulong,
    /// For `*_MPLANE` types; `length` then holds the number of planes.
    pub planes: *mut v4l2_plane,
    pub fd: i32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_buffer_request {
    pub request_fd: i32,
    pub reserved: u32,
}

/// The C struct's trailing anonymous union is the `request` field here.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct v4l2_buffer {
    pub index: u32,
    pub type_: u32,
    pub bytesused: u32,
    pub flags: u32,
    pub field: u32,
    pub timestamp: libc::timeval,
    pub timecode: v4l2_timecode,
    pub sequence: u32,
    pub memory: u32,
    pub m: v4l2_buffer_m,
    pub length: u32,
    pub reserved2: u32,
    pub request: v4l2_buffer_request,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_exportbuffer {
    pub type_: u32,
    pub index: u32,
    pub plane: u32,
    pub flags: u32,
    pub fd: i32,
    pub reserved: [u32; 11],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_control {
    pub id: u32,
    pub value: i32,
}

/// One control's description (VIDIOC_QUERY_EXT_CTRL): 64-bit ranges, unlike v4l2_queryctrl.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct v4l2_query_ext_ctrl {
    pub id: u32,
    pub type_: u32,
    pub name: [u8; 32],
    pub minimum: i64,
    pub maximum: i64,
    pub step: u64,
    pub default_value: i64,
    pub flags: u32,
    pub elem_size: u32,
    pub elems: u32,
    pub nr_of_dims: u32,
    pub dims: [u32; 4],
    pub reserved: [u32; 32],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union v4l2_querymenu_item {
    pub name: [u8; 32],
    pub value: i64,
}

/// One item of a menu control (VIDIOC_QUERYMENU); packed in the kernel's header.
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct v4l2_querymenu {
    pub id: u32,
    pub index: u32,
    pub item: v4l2_querymenu_item,
    pub reserved: u32,
}

pub const V4L2_CTRL_FLAG_NEXT_CTRL: u32 = 0x8000_0000;
pub const V4L2_CTRL_FLAG_DISABLED: u32 = 0x0001;
pub const V4L2_CTRL_FLAG_READ_ONLY: u32 = 0x0004;
pub const V4L2_CTRL_FLAG_INACTIVE: u32 = 0x0010;
pub const V4L2_CTRL_FLAG_WRITE_ONLY: u32 = 0x0040;
pub const V4L2_CTRL_TYPE_INTEGER: u32 = 1;
pub const V4L2_CTRL_TYPE_BOOLEAN: u32 = 2;
pub const V4L2_CTRL_TYPE_MENU: u32 = 3;
pub const V4L2_CTRL_TYPE_BUTTON: u32 = 4;
pub const V4L2_CTRL_TYPE_INTEGER64: u32 = 5;
pub const V4L2_CTRL_TYPE_CTRL_CLASS: u32 = 6;
pub const V4L2_CTRL_TYPE_STRING: u32 = 7;
pub const V4L2_CTRL_TYPE_BITMASK: u32 = 8;
pub const V4L2_CTRL_TYPE_INTEGER_MENU: u32 = 9;

// Arrays over 32 elements and unions can't derive Default.
macro_rules! zeroed_default {
    ($($t:ty),* $(,)?) => {$(
        impl Default for $t {
            fn default() -> Self {
                // SAFETY: plain integers, arrays, unions of those and
                // nullable raw pointers: all-zero is a valid value.
                unsafe { std::mem::zeroed() }
            }
        }
    )*};
}

zeroed_default!(
    v4l2_capability,
    v4l2_fmtdesc,
    v4l2_frmsizeenum,
    v4l2_frmivalenum,
    v4l2_pix_format_mplane,
    v4l2_format,
    v4l2_streamparm,
    v4l2_plane,
    v4l2_buffer,
);

// Union contents are left out: which member is initialized isn't known
// here, and reading the wrong one could touch uninitialized bytes.
impl fmt::Debug for v4l2_frmsizeenum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v4l2_frmsizeenum")
            .field("index", &self.index)
            .field(
                "pixel_format",
                &crate::format::fourcc_name(self.pixel_format),
            )
            .field("type_", &self.type_)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for v4l2_frmivalenum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v4l2_frmivalenum")
            .field("index", &self.index)
            .field(
                "pixel_format",
                &crate::format::fourcc_name(self.pixel_format),
            )
            .field("width", &self.width)
            .field("height", &self.height)
            .field("type_", &self.type_)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for v4l2_format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v4l2_format")
            .field("type_", &self.type_)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for v4l2_streamparm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v4l2_streamparm")
            .field("type_", &self.type_)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for v4l2_plane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v4l2_plane")
            .field("bytesused", &self.bytesused)
            .field("length", &self.length)
            .field("data_offset", &self.data_offset)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for v4l2_buffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v4l2_buffer")
            .field("index", &self.index)
            .field("type_", &self.type_)
            .field("bytesused", &self.bytesused)
            .field("flags", &format_args!("{:#x}", self.flags))
            .field("field", &self.field)
            .field(
                "timestamp",
                &(self.timestamp.tv_sec, self.timestamp.tv_usec),
            )
            .field("sequence", &self.sequence)
            .field("memory", &self.memory)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------------------
// ioctls
//
// Request codes are public consts so tests can check the exact numbers the
// wrappers pass to ioctl(2). `*_NR` holds the full request code.

macro_rules! vidioc {
    ($dir:ident, $func:ident, $code:ident, $nr:expr, $ty:ty) => {
        pub const $code: ioctl_num_type = vidioc!(@code $dir, $nr, $ty);
        vidioc!(@func $dir, $func, $code, $ty);
    };
    (@code read, $nr:expr, $ty:ty) => {
        nix::request_code_read!(b'V', $nr, size_of::<$ty>())
    };
    (@code write, $nr:expr, $ty:ty) => {
        nix::request_code_write!(b'V', $nr, size_of::<$ty>())
    };
    (@code readwrite, $nr:expr, $ty:ty) => {
        nix::request_code_readwrite!(b'V', $nr, size_of::<$ty>())
    };
    (@func read, $func:ident, $code:ident, $ty:ty) => {
        nix::ioctl_read_bad!(
            #[doc = concat!("`", stringify!($code), "`.")]
            ///
            /// # Safety
            /// `fd` must be open and `data` valid for writes of the type.
            $func,
            $code,
            $ty
        );
    };
    (@func write, $func:ident, $code:ident, $ty:ty) => {
        nix::ioctl_write_ptr_bad!(
            #[doc = concat!("`", stringify!($code), "`.")]
            ///
            /// # Safety
            /// `fd` must be open and `data` valid for reads of the type.
            $func,
            $code,
            $ty
        );
    };
    (@func readwrite, $func:ident, $code:ident, $ty:ty) => {
        nix::ioctl_readwrite_bad!(
            #[doc = concat!("`", stringify!($code), "`.")]
            ///
            /// # Safety
            /// `fd` must be open and `data` valid for reads and writes of
            /// the type, including any memory it points to (e.g. planes).
            $func,
            $code,
            $ty
        );
    };
}

vidioc!(
    read,
    vidioc_querycap,
    VIDIOC_QUERYCAP_NR,
    0,
    v4l2_capability
);
vidioc!(
    readwrite,
    vidioc_enum_fmt,
    VIDIOC_ENUM_FMT_NR,
    2,
    v4l2_fmtdesc
);
vidioc!(readwrite, vidioc_g_fmt, VIDIOC_G_FMT_NR, 4, v4l2_format);
vidioc!(readwrite, vidioc_s_fmt, VIDIOC_S_FMT_NR, 5, v4l2_format);
vidioc!(
    readwrite,
    vidioc_reqbufs,
    VIDIOC_REQBUFS_NR,
    8,
    v4l2_requestbuffers
);
vidioc!(
    readwrite,
    vidioc_querybuf,
    VIDIOC_QUERYBUF_NR,
    9,
    v4l2_buffer
);
vidioc!(readwrite, vidioc_qbuf, VIDIOC_QBUF_NR, 15, v4l2_buffer);
vidioc!(
    readwrite,
    vidioc_expbuf,
    VIDIOC_EXPBUF_NR,
    16,
    v4l2_exportbuffer
);
vidioc!(readwrite, vidioc_dqbuf, VIDIOC_DQBUF_NR, 17, v4l2_buffer);
vidioc!(write, vidioc_streamon, VIDIOC_STREAMON_NR, 18, libc::c_int);
vidioc!(
    write,
    vidioc_streamoff,
    VIDIOC_STREAMOFF_NR,
    19,
    libc::c_int
);
vidioc!(
    readwrite,
    vidioc_g_parm,
    VIDIOC_G_PARM_NR,
    21,
    v4l2_streamparm
);
vidioc!(
    readwrite,
    vidioc_s_parm,
    VIDIOC_S_PARM_NR,
    22,
    v4l2_streamparm
);
vidioc!(readwrite, vidioc_g_ctrl, VIDIOC_G_CTRL_NR, 27, v4l2_control);
vidioc!(readwrite, vidioc_s_ctrl, VIDIOC_S_CTRL_NR, 28, v4l2_control);
vidioc!(
    readwrite,
    vidioc_querymenu,
    VIDIOC_QUERYMENU_NR,
    37,
    v4l2_querymenu
);
vidioc!(
    readwrite,
    vidioc_query_ext_ctrl,
    VIDIOC_QUERY_EXT_CTRL_NR,
    103,
    v4l2_query_ext_ctrl
);
vidioc!(
    readwrite,
    vidioc_try_fmt,
    VIDIOC_TRY_FMT_NR,
    64,
    v4l2_format
);
vidioc!(
    readwrite,
    vidioc_enum_framesizes,
    VIDIOC_ENUM_FRAMESIZES_NR,
    74,
    v4l2_frmsizeenum
);
vidioc!(
    readwrite,
    vidioc_enum_frameintervals,
    VIDIOC_ENUM_FRAMEINTERVALS_NR,
    75,
    v4l2_frmivalenum
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of};

    // Expected numbers below were printed by a small C program compiled with
    // gcc against Debian bookworm's linux-libc-dev 6.1 (amd64)
    // /usr/include/linux/videodev2.h, using sizeof/offsetof/_Alignof and the
    // VIDIOC_* / V4L2_PIX_FMT_* macros themselves.

    // Structs made only of u8/u16/u32 have the same layout on every Linux
    // target.
    #[test]
    fn layout_fixed_size_structs() {
        assert_eq!(size_of::<v4l2_capability>(), 104);
        assert_eq!(offset_of!(v4l2_capability, version), 80);
        assert_eq!(offset_of!(v4l2_capability, capabilities), 84);
        assert_eq!(offset_of!(v4l2_capability, device_caps), 88);

        assert_eq!(size_of::<v4l2_fmtdesc>(), 64);
        assert_eq!(offset_of!(v4l2_fmtdesc, description), 12);
        assert_eq!(offset_of!(v4l2_fmtdesc, pixelformat), 44);
        assert_eq!(offset_of!(v4l2_fmtdesc, mbus_code), 48);

        assert_eq!(size_of::<v4l2_fract>(), 8);
        assert_eq!(size_of::<v4l2_frmsize_stepwise>(), 24);
        assert_eq!(size_of::<v4l2_frmival_stepwise>(), 24);

        assert_eq!(size_of::<v4l2_frmsizeenum>(), 44);
        assert_eq!(offset_of!(v4l2_frmsizeenum, type_), 8);
        assert_eq!(offset_of!(v4l2_frmsizeenum, size), 12);
        assert_eq!(offset_of!(v4l2_frmsizeenum, reserved), 36);

        assert_eq!(size_of::<v4l2_frmivalenum>(), 52);
        assert_eq!(offset_of!(v4l2_frmivalenum, type_), 16);
        assert_eq!(offset_of!(v4l2_frmivalenum, interval), 20);
        assert_eq!(offset_of!(v4l2_frmivalenum, reserved), 44);

        assert_eq!(size_of::<v4l2_pix_format>(), 48);
        assert_eq!(offset_of!(v4l2_pix_format, ycbcr_enc), 36);
        assert_eq!(offset_of!(v4l2_pix_format, xfer_func), 44);

        assert_eq!(size_of::<v4l2_plane_pix_format>(), 20);
        assert_eq!(align_of::<v4l2_plane_pix_format>(), 1);
        assert_eq!(size_of::<v4l2_pix_format_mplane>(), 192);
        assert_eq!(align_of::<v4l2_pix_format_mplane>(), 1);
        assert_eq!(offset_of!(v4l2_pix_format_mplane, plane_fmt), 20);
        assert_eq!(offset_of!(v4l2_pix_format_mplane, num_planes), 180);
        assert_eq!(offset_of!(v4l2_pix_format_mplane, flags), 181);
        assert_eq!(offset_of!(v4l2_pix_format_mplane, ycbcr_enc), 182);
        assert_eq!(offset_of!(v4l2_pix_format_mplane, reserved), 185);

        assert_eq!(size_of::<v4l2_captureparm>(), 40);
        assert_eq!(offset_of!(v4l2_captureparm, timeperframe), 8);
        assert_eq!(offset_of!(v4l2_captureparm, readbuffers), 20);
        assert_eq!(size_of::<v4l2_streamparm>(), 204);
        assert_eq!(offset_of!(v4l2_streamparm, parm), 4);

        assert_eq!(size_of::<v4l2_requestbuffers>(), 20);
        assert_eq!(offset_of!(v4l2_requestbuffers, capabilities), 12);
        assert_eq!(offset_of!(v4l2_requestbuffers, flags), 16);

        assert_eq!(size_of::<v4l2_timecode>(), 16);

        assert_eq!(size_of::<v4l2_exportbuffer>(), 64);
        assert_eq!(offset_of!(v4l2_exportbuffer, fd), 16);
        assert_eq!(offset_of!(v4l2_exportbuffer, reserved), 20);

        assert_eq!(size_of::<v4l2_control>(), 8);
        assert_eq!(size_of::<v4l2_querymenu>(), 44);
        assert_eq!(offset_of!(v4l2_querymenu, reserved), 40);
    }

    // Pointer/long/timeval-dependent layouts. aarch64 shares x86_64's LP64
    // layout, so the same numbers hold there.
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    #[test]
    fn layout_lp64_structs() {
        assert_eq!(size_of::<v4l2_query_ext_ctrl>(), 232);
        assert_eq!(offset_of!(v4l2_query_ext_ctrl, minimum), 40);
        assert_eq!(offset_of!(v4l2_query_ext_ctrl, flags), 72);
        assert_eq!(offset_of!(v4l2_query_ext_ctrl, dims), 88);
        assert_eq!(offset_of!(v4l2_query_ext_ctrl, reserved), 104);
        assert_eq!(size_of::<v4l2_format>(), 208);
        assert_eq!(align_of::<v4l2_format>(), 8);
        assert_eq!(offset_of!(v4l2_format, fmt), 8);

        assert_eq!(size_of::<v4l2_buffer>(), 88);
        assert_eq!(align_of::<v4l2_buffer>(), 8);
        assert_eq!(offset_of!(v4l2_buffer, field), 16);
        assert_eq!(offset_of!(v4l2_buffer, timestamp), 24);
        assert_eq!(offset_of!(v4l2_buffer, timecode), 40);
        assert_eq!(offset_of!(v4l2_buffer, sequence), 56);
        assert_eq!(offset_of!(v4l2_buffer, memory), 60);
        assert_eq!(offset_of!(v4l2_buffer, m), 64);
        assert_eq!(offset_of!(v4l2_buffer, length), 72);
        assert_eq!(offset_of!(v4l2_buffer, reserved2), 76);
        assert_eq!(offset_of!(v4l2_buffer, request), 80);

        assert_eq!(size_of::<v4l2_plane>(), 64);
        assert_eq!(align_of::<v4l2_plane>(), 8);
        assert_eq!(offset_of!(v4l2_plane, m), 8);
        assert_eq!(offset_of!(v4l2_plane, data_offset), 16);
        assert_eq!(offset_of!(v4l2_plane, reserved), 20);
    }

    // Generic ioctl encoding plus LP64 sizes (see above).
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    #[test]
    fn ioctl_request_codes() {
        let cases: &[(&str, ioctl_num_type, u32)] = &[
            ("QUERYCAP", VIDIOC_QUERYCAP_NR, 0x8068_5600),
            ("ENUM_FMT", VIDIOC_ENUM_FMT_NR, 0xc040_5602),
            ("G_FMT", VIDIOC_G_FMT_NR, 0xc0d0_5604),
            ("S_FMT", VIDIOC_S_FMT_NR, 0xc0d0_5605),
            ("TRY_FMT", VIDIOC_TRY_FMT_NR, 0xc0d0_5640),
            ("G_PARM", VIDIOC_G_PARM_NR, 0xc0cc_5615),
            ("S_PARM", VIDIOC_S_PARM_NR, 0xc0cc_5616),
            ("REQBUFS", VIDIOC_REQBUFS_NR, 0xc014_5608),
            ("QUERYBUF", VIDIOC_QUERYBUF_NR, 0xc058_5609),
            ("QBUF", VIDIOC_QBUF_NR, 0xc058_560f),
            ("DQBUF", VIDIOC_DQBUF_NR, 0xc058_5611),
            ("EXPBUF", VIDIOC_EXPBUF_NR, 0xc040_5610),
            ("STREAMON", VIDIOC_STREAMON_NR, 0x4004_5612),
            ("STREAMOFF", VIDIOC_STREAMOFF_NR, 0x4004_5613),
            ("ENUM_FRAMESIZES", VIDIOC_ENUM_FRAMESIZES_NR, 0xc02c_564a),
            (
                "ENUM_FRAMEINTERVALS",
                VIDIOC_ENUM_FRAMEINTERVALS_NR,
                0xc034_564b,
            ),
            ("G_CTRL", VIDIOC_G_CTRL_NR, 0xc008_561b),
            ("S_CTRL", VIDIOC_S_CTRL_NR, 0xc008_561c),
            ("QUERYMENU", VIDIOC_QUERYMENU_NR, 0xc02c_5625),
            ("QUERY_EXT_CTRL", VIDIOC_QUERY_EXT_CTRL_NR, 0xc0e8_5667),
        ];
        for &(name, got, want) in cases {
            assert_eq!(got as u32, want, "VIDIOC_{name}: {:#x}", got as u32);
        }
    }

    #[test]
    fn defaults_are_zero() {
        let buf = v4l2_buffer::default();
        assert_eq!(buf.index, 0);
        // SAFETY: Default zeroes every byte, so any member reads as zero.
        assert!(unsafe { buf.m.planes }.is_null());
        let fmt = v4l2_format::default();
        // SAFETY: as above.
        assert!(unsafe { fmt.fmt.raw_data }.iter().all(|&b| b == 0));
    }
}
