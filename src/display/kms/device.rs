//! Finding the display: the card, a connected connector, a CRTC that drives it, and a plane
//! that scans out the camera's format.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt};
use std::path::{Path, PathBuf};

use drm::control::{connector, crtc, plane, property, Device as _, Mode, ModeTypeFlags};
use drm::Device as _;

use super::error::{ioctl, KmsError};
use super::in_formats::InFormats;
use crate::fd_limit;
use crate::format::{PixelFormat, MODIFIER_LINEAR};

/// DRM_PLANE_TYPE_PRIMARY, the value of a plane's "type" property.
const PLANE_TYPE_PRIMARY: u64 = 1;

pub struct Card {
    file: File,
    pub path: PathBuf,
}

impl AsFd for Card {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.file.as_fd()
    }
}

impl drm::Device for Card {}
impl drm::control::Device for Card {}

impl Card {
    pub fn open(path: &Path) -> Result<Card, KmsError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_CLOEXEC)
            .open(path)
            .map_err(
                |source| match source.raw_os_error().and_then(fd_limit::hit) {
                    Some(limit) => KmsError::FdLimit {
                        path: path.to_owned(),
                        limit,
                    },
                    None => KmsError::Open {
                        path: path.to_owned(),
                        source,
                    },
                },
            )?;
        let card = Card {
            file,
            path: path.to_owned(),
        };
        card.resource_handles().map_err(|source| KmsError::NotKms {
            path: path.to_owned(),
            source,
        })?;
        Ok(card)
    }

    /// The card at `path` opened again through the seat, which hands it out (DRM master
    /// included) only while the session is active.
    pub fn through_seat(
        path: PathBuf,
        seat: &mut super::seat::SeatSession,
    ) -> Result<Card, KmsError> {
        let file = seat.open_card(&path).map_err(|source| KmsError::Open {
            path: path.clone(),
            source,
        })?;
        Ok(Card { file, path })
    }

    /// `--card` if given, else the first card in /dev/dri with a connected connector.
    pub fn find(requested: Option<&Path>) -> Result<Card, KmsError> {
        if let Some(path) = requested {
            return Card::open(path);
        }
        let mut paths: Vec<PathBuf> = std::fs::read_dir("/dev/dri")
            .map_err(|e| match e.raw_os_error().and_then(fd_limit::hit) {
                Some(limit) => KmsError::FdLimit {
                    path: "/dev/dri".into(),
                    limit,
                },
                None => KmsError::NoCard(e.to_string()),
            })?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("card"))
            })
            .collect();
        paths.sort();
        let mut reasons = Vec::new();
        for path in paths {
            match Card::open(&path) {
                Ok(card) if card.has_connected_connector() => return Ok(card),
                Ok(_) => reasons.push(format!("{}: nothing connected", path.display())),
                Err(e @ KmsError::FdLimit { .. }) => return Err(e),
                Err(e) => reasons.push(e.to_string()),
            }
        }
        if reasons.is_empty() {
            reasons.push("no card nodes".into());
        }
        if reasons.iter().all(|r| r.ends_with(": nothing connected")) {
            return Err(KmsError::NothingConnected(reasons.join("; ")));
        }
        Err(KmsError::NoCard(reasons.join("; ")))
    }

    /// Whether a GPU is behind the card: it has a render node.
    pub fn has_render_node(&self) -> bool {
        self.file
            .metadata()
            .is_ok_and(|m| crate::dmabuf::gbm::has_render_node(m.rdev()))
    }

    fn has_connected_connector(&self) -> bool {
        let Ok(resources) = self.resource_handles() else {
            return false;
        };
        resources.connectors().iter().any(|&c| {
            self.get_connector(c, false)
                .is_ok_and(|info| info.state() == connector::State::Connected)
        })
    }

    /// Property handles and current values of a DRM object, by name.
    pub fn properties<H: drm::control::ResourceHandle>(
        &self,
        handle: H,
    ) -> Result<HashMap<String, (property::Handle, u64)>, KmsError> {
        let set = self
            .get_properties(handle)
            .map_err(ioctl("reading DRM properties"))?;
        let mut map = HashMap::new();
        for (&prop, &value) in set.iter() {
            let info = self
                .get_property(prop)
                .map_err(ioctl("reading a DRM property"))?;
            map.insert(info.name().to_string_lossy().into_owned(), (prop, value));
        }
        Ok(map)
    }
}

pub fn connector_name(info: &connector::Info) -> String {
    format!("{}-{}", info.interface().as_str(), info.interface_id())
}

pub fn mode_size(mode: &Mode) -> (u32, u32) {
    let (w, h) = mode.size();
    (u32::from(w), u32::from(h))
}

pub fn describe_mode(mode: &Mode) -> String {
    let (w, h) = mode_size(mode);
    format!("{w}x{h}@{}", mode.vrefresh())
}

/// The connector, CRTC and plane that will show the camera.
pub struct Output {
    pub connector: connector::Info,
    pub name: String,
    pub crtc: crtc::Handle,
    pub plane: plane::Handle,
    pub primary: bool,
    /// The mode the CRTC has now, or the connector's preferred one if it is off.
    pub current_mode: Mode,
    /// AddFB2 with an explicit LINEAR modifier: the driver takes modifiers.
    pub linear_modifier: bool,
}

impl Output {
    /// Picks the output, and the first of `candidates` one of its planes can scan out. With
    /// `probe`, the connectors are probed first (at start); without, the state the kernel
    /// last probed is taken (after a hotplug event, which follows a probe).
    pub fn choose(
        card: &Card,
        wanted_connector: Option<&str>,
        candidates: &[PixelFormat],
        probe: bool,
    ) -> Result<(Output, PixelFormat), KmsError> {
        let resources = card
            .resource_handles()
            .map_err(ioctl("reading DRM resources"))?;
        let connector = find_connector(card, &resources, wanted_connector, probe)?;
        let name = connector_name(&connector);
        if connector.state() != connector::State::Connected || connector.modes().is_empty() {
            return Err(KmsError::Disconnected(name));
        }
        let crtc = pick_crtc(card, &connector, &resources)
            .ok_or_else(|| KmsError::NoCrtc(name.clone()))?;
        let current_mode = card
            .get_crtc(crtc)
            .ok()
            .and_then(|info| info.mode())
            .filter(|m| connector.modes().contains(m))
            .or_else(|| preferred_mode(connector.modes()))
            .ok_or_else(|| KmsError::Disconnected(name.clone()))?;
        let linear_modifier = card
            .get_driver_capability(drm::DriverCapability::AddFB2Modifiers)
            .is_ok_and(|v| v != 0);
        let (plane, primary, format) =
            pick_plane(card, &resources, crtc, candidates, linear_modifier, &name)?;
        let output = Output {
            connector,
            name,
            crtc,
            plane,
            primary,
            current_mode,
            linear_modifier,
        };
        Ok((output, format))
    }

    /// The same CRTC and plane for `connector` as it is now (a display plugged back, maybe
    /// another monitor): its modes read again, the mode kept where the new list has it.
    pub fn with_connector(old: &Output, connector: connector::Info) -> Result<Output, KmsError> {
        let name = connector_name(&connector);
        let current_mode = Some(old.current_mode)
            .filter(|m| connector.modes().contains(m))
            .or_else(|| preferred_mode(connector.modes()))
            .ok_or_else(|| KmsError::Disconnected(name.clone()))?;
        Ok(Output {
            connector,
            name,
            current_mode,
            ..*old
        })
    }

    /// Modes of the connector with exactly this size, best first.
    pub fn modes_of_size(&self, width: u32, height: u32) -> Vec<Mode> {
        let mut modes: Vec<Mode> = self
            .connector
            .modes()
            .iter()
            .copied()
            .filter(|m| mode_size(m) == (width, height))
            .collect();
        modes.sort_by_key(|m| {
            (
                !m.mode_type().contains(ModeTypeFlags::PREFERRED),
                std::cmp::Reverse(m.vrefresh()),
            )
        });
        modes
    }

    pub fn mode_list(&self) -> String {
        let mut sizes: Vec<String> = Vec::new();
        for mode in self.connector.modes() {
            let (w, h) = mode_size(mode);
            let size = format!("{w}x{h}");
            if !sizes.contains(&size) {
                sizes.push(size);
            }
        }
        sizes.join(", ")
    }
}

/// The connector named by --connector, else the first connected one.
fn find_connector(
    card: &Card,
    resources: &drm::control::ResourceHandles,
    wanted: Option<&str>,
    probe: bool,
) -> Result<connector::Info, KmsError> {
    let connectors: Vec<connector::Info> = resources
        .connectors()
        .iter()
        .filter_map(|&c| card.get_connector(c, probe).ok())
        .collect();
    match wanted {
        Some(name) => connectors
            .iter()
            .find(|c| connector_name(c) == name)
            .cloned()
            .ok_or_else(|| KmsError::NoSuchConnector {
                name: name.to_owned(),
                path: card.path.clone(),
                available: connectors
                    .iter()
                    .map(connector_name)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        None => connectors
            .iter()
            .find(|c| c.state() == connector::State::Connected)
            .cloned()
            .ok_or_else(|| KmsError::NoCard(format!("{}: nothing connected", card.path.display()))),
    }
}

fn preferred_mode(modes: &[Mode]) -> Option<Mode> {
    modes
        .iter()
        .find(|m| m.mode_type().contains(ModeTypeFlags::PREFERRED))
        .or(modes.first())
        .copied()
}

/// The CRTC already driving the connector, else the first one its encoders can use.
fn pick_crtc(
    card: &Card,
    connector: &connector::Info,
    resources: &drm::control::ResourceHandles,
) -> Option<crtc::Handle> {
    let current = connector
        .current_encoder()
        .and_then(|e| card.get_encoder(e).ok())
        .and_then(|e| e.crtc());
    current.or_else(|| {
        connector
            .encoders()
            .iter()
            .filter_map(|&e| card.get_encoder(e).ok())
            .flat_map(|e| resources.filter_crtcs(e.possible_crtcs()))
            .next()
    })
}

/// The plane's IN_FORMATS, where it has a readable one.
fn in_formats(card: &Card, props: &HashMap<String, (property::Handle, u64)>) -> Option<InFormats> {
    match props.get("IN_FORMATS") {
        Some(&(_, blob)) if blob != 0 => card
            .get_property_blob(blob)
            .ok()
            .and_then(|data| InFormats::parse(&data).ok()),
        _ => None,
    }
}

/// The modifiers the plane lists for `format`; empty where it lists none.
pub fn plane_modifiers(card: &Card, plane: plane::Handle, format: u32) -> Vec<u64> {
    card.properties(plane)
        .ok()
        .and_then(|props| in_formats(card, &props))
        .map_or_else(Vec::new, |f| f.modifiers(format))
}

/// Whether the plane scans out a format with a LINEAR layout: from IN_FORMATS where the
/// driver takes modifiers, else from its format list.
fn plane_takes<'a>(
    card: &Card,
    props: &HashMap<String, (property::Handle, u64)>,
    info: &'a plane::Info,
    check_modifiers: bool,
) -> impl Fn(&PixelFormat) -> bool + 'a {
    let in_formats = check_modifiers.then(|| in_formats(card, props)).flatten();
    move |format: &PixelFormat| {
        let code = format.drm as u32;
        match &in_formats {
            Some(f) => f.supports(code, MODIFIER_LINEAR),
            None => info.formats().contains(&code),
        }
    }
}

/// The first candidate format some plane of the CRTC takes with a LINEAR layout, and that
/// plane; the primary plane when it can.
fn pick_plane(
    card: &Card,
    resources: &drm::control::ResourceHandles,
    crtc: crtc::Handle,
    candidates: &[PixelFormat],
    check_modifiers: bool,
    connector: &str,
) -> Result<(plane::Handle, bool, PixelFormat), KmsError> {
    let planes = card.plane_handles().map_err(ioctl("listing DRM planes"))?;
    let mut usable = Vec::new();
    let mut seen_formats = Vec::new();
    for handle in planes {
        let info = card
            .get_plane(handle)
            .map_err(ioctl("reading a DRM plane"))?;
        if !resources
            .filter_crtcs(info.possible_crtcs())
            .contains(&crtc)
        {
            continue;
        }
        let props = card.properties(handle)?;
        let takes = plane_takes(card, &props, &info, check_modifiers);
        for &f in info.formats() {
            let name = crate::format::fourcc_name(f);
            if !seen_formats.contains(&name) {
                seen_formats.push(name);
            }
        }
        let primary = props.get("type").map(|&(_, v)| v) == Some(PLANE_TYPE_PRIMARY);
        if let Some(rank) = candidates.iter().position(takes) {
            usable.push((rank, !primary, handle));
        }
    }
    // Earliest candidate format first, then the primary plane before others.
    usable.sort_by_key(|&(rank, not_primary, _)| (rank, not_primary));
    match usable.first() {
        Some(&(rank, not_primary, handle)) => Ok((handle, !not_primary, candidates[rank])),
        None => Err(KmsError::NoPlane {
            connector: connector.to_owned(),
            format: candidates
                .iter()
                .map(PixelFormat::name)
                .collect::<Vec<_>>()
                .join(" "),
            available: seen_formats.join(" "),
        }),
    }
}
