//! Atomic modesetting: the first frame is one blocking commit that sets the mode and the
//! plane; every later frame is a nonblocking commit of the plane's FB_ID alone.

use std::os::fd::AsFd;

use drm::control::{atomic::AtomicModeReq, framebuffer, property, AtomicCommitFlags, Device as _};

use super::colour::{ColourProps, ColourValues};
use super::device::{Card, Output};
use super::error::{ioctl, KmsError};
use super::framebuffers::Framebuffer;
use super::placement::Placement;
use crate::convert::Colorimetry;

const PLANE_PROPS: [&str; 10] = [
    "FB_ID", "CRTC_ID", "SRC_X", "SRC_Y", "SRC_W", "SRC_H", "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H",
];

/// The atomic property handles glasscam sets.
pub struct AtomicProps {
    connector_crtc: property::Handle,
    crtc_mode: property::Handle,
    crtc_active: property::Handle,
    /// In the order of PLANE_PROPS.
    plane: Vec<property::Handle>,
    /// The plane's `rotation`, where it has one.
    rotation: Option<property::Handle>,
    /// The plane's COLOR_ENCODING and COLOR_RANGE, where it has them.
    colour: Option<ColourProps>,
    /// The camera's colorimetry as the plane's values, where it lists them.
    camera_colour: Option<ColourValues>,
}

impl AtomicProps {
    pub fn find(card: &Card, output: &Output) -> Result<AtomicProps, KmsError> {
        let find = |map: &std::collections::HashMap<String, (property::Handle, u64)>,
                    name: &str| {
            map.get(name).map(|&(h, _)| h).ok_or(KmsError::Ioctl {
                what: "finding an atomic property",
                source: std::io::Error::other(format!("the driver has no {name} property")),
            })
        };
        let connector = card.properties(output.connector.handle())?;
        let crtc = card.properties(output.crtc)?;
        let plane = card.properties(output.plane)?;
        let plane_props = PLANE_PROPS
            .iter()
            .map(|name| find(&plane, name))
            .collect::<Result<_, _>>()?;
        Ok(AtomicProps {
            connector_crtc: find(&connector, "CRTC_ID")?,
            crtc_mode: find(&crtc, "MODE_ID")?,
            crtc_active: find(&crtc, "ACTIVE")?,
            rotation: plane.get("rotation").map(|&(h, _)| h),
            colour: ColourProps::find(card, &plane),
            camera_colour: None,
            plane: plane_props,
        })
    }

    /// The plane has a rotation property (which values it takes, TEST_ONLY says).
    pub fn can_rotate(&self) -> bool {
        self.rotation.is_some()
    }

    /// From the next modeset on, YCbCr framebuffers are converted with `colorimetry` (None:
    /// the plane's own); false where the plane cannot be told (it converts with its own).
    pub fn set_colorimetry(&mut self, colorimetry: Option<Colorimetry>) -> bool {
        self.camera_colour = self
            .colour
            .as_ref()
            .zip(colorimetry)
            .and_then(|(colour, c)| colour.values_for(c));
        self.camera_colour.is_some()
    }

    /// The plane's colour properties for showing `fb`, where it has them.
    fn colour_for(&self, fb: &Framebuffer) -> Option<ColourValues> {
        let colour = self.colour.as_ref()?;
        Some(colour.under_framebuffer(self.camera_colour, fb.ycbcr))
    }

    /// Sets the mode and shows `fb` (the page-flip event says when it is on the glass), or
    /// with `test_only` asks the driver whether it would, changing nothing.
    pub fn modeset(
        &self,
        card: &Card,
        output: &Output,
        fb: &Framebuffer,
        placement: &Placement,
        test_only: bool,
    ) -> Result<(), KmsError> {
        let (flags, what) = if test_only {
            (
                AtomicCommitFlags::TEST_ONLY,
                "testing the display configuration",
            )
        } else {
            (
                AtomicCommitFlags::PAGE_FLIP_EVENT,
                "setting the display mode",
            )
        };
        let flags = flags | AtomicCommitFlags::ALLOW_MODESET;
        self.modeset_commit(card, output, fb, placement, flags)
            .map_err(ioctl(what))
    }

    /// Flips the plane to `fb`: one property of one object, from the stack (drm's
    /// AtomicModeReq would allocate four vectors for it on every frame).
    pub fn flip(
        &self,
        card: &Card,
        output: &Output,
        fb: framebuffer::Handle,
    ) -> Result<(), KmsError> {
        drm_ffi::mode::atomic_commit(
            card.as_fd(),
            (AtomicCommitFlags::PAGE_FLIP_EVENT | AtomicCommitFlags::NONBLOCK).bits(),
            &mut [u32::from(output.plane)],
            &mut [1],
            &mut [u32::from(self.plane[0])],
            &mut [u64::from(u32::from(fb))],
        )
        .map_err(ioctl("flipping to the next frame"))
    }

    /// One commit of connector, CRTC and plane; the mode blob is destroyed once the commit
    /// has returned (the CRTC keeps its own reference to it).
    fn modeset_commit(
        &self,
        card: &Card,
        output: &Output,
        fb: &Framebuffer,
        placement: &Placement,
        flags: AtomicCommitFlags,
    ) -> std::io::Result<()> {
        let blob = card.create_property_blob(&placement.mode)?;
        let mut req = AtomicModeReq::new();
        req.add_property(
            output.connector.handle(),
            self.connector_crtc,
            property::Value::CRTC(Some(output.crtc)),
        );
        req.add_property(output.crtc, self.crtc_mode, blob);
        req.add_property(
            output.crtc,
            self.crtc_active,
            property::Value::Boolean(true),
        );
        for (prop, value) in self
            .plane
            .iter()
            .zip(plane_values(output, fb.handle, placement))
        {
            req.add_raw_property(output.plane.into(), *prop, value);
        }
        // Always set where it exists: another client may have left the plane turned.
        if let Some(rotation) = self.rotation {
            req.add_raw_property(output.plane.into(), rotation, placement.rotation);
        }
        for (prop, value) in self.colour_for(fb).iter().flatten() {
            req.add_raw_property(output.plane.into(), *prop, *value);
        }
        let result = card.atomic_commit(flags, req);
        if let property::Value::Blob(id) = blob {
            let _ = card.destroy_property_blob(id);
        }
        result
    }
}

/// The plane's properties in the order of PLANE_PROPS: the placement's part of the
/// framebuffer (16.16 fixed point), scaled to its rectangle on the CRTC.
fn plane_values(output: &Output, fb: framebuffer::Handle, placement: &Placement) -> [u64; 10] {
    let (x, y, w, h) = placement.dst;
    let src = placement.src;
    [
        u32::from(fb).into(),
        u32::from(output.crtc).into(),
        u64::from(src.x) << 16,
        u64::from(src.y) << 16,
        u64::from(src.width) << 16,
        u64::from(src.height) << 16,
        x as u64,
        y as u64,
        w.into(),
        h.into(),
    ]
}
