//! Display hotplug: the kernel's uevents for the card (SUBSYSTEM=drm, HOTPLUG=1), read from
//! its netlink socket, and the connector looked at again. A monitor unplugged leaves glasscam
//! running without presenting; plugged back (or another, where no connector is pinned), the
//! mode is set again and the camera shows.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use drm::control::{connector, Device as _};
use nix::sys::socket::{
    bind, recv, socket, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType,
};

use super::atomic::AtomicProps;
use super::device::{connector_name, Output};
use super::error::{ioctl, KmsError};
use super::saved::SavedCrtc;
use super::KmsDisplay;

/// The kernel's own multicast group of uevents: there with or without udevd.
const KERNEL_UEVENTS: u32 = 1;

/// What a hotplug event changed for the connector glasscam shows on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hotplug {
    /// The connector in use has nothing connected any more.
    Disconnected(String),
    /// The connector in use is connected again.
    Reconnected(String),
    /// The connector in use has nothing on it, and another connected one shows the camera
    /// now (no --connector pinned one).
    Moved { from: String, to: String },
}

/// The netlink socket the kernel sends uevents to.
pub struct UeventSocket(OwnedFd);

impl UeventSocket {
    pub fn open() -> nix::Result<UeventSocket> {
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Datagram,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkKObjectUEvent,
        )?;
        bind(fd.as_raw_fd(), &NetlinkAddr::new(0, KERNEL_UEVENTS))?;
        Ok(UeventSocket(fd))
    }

    /// Reads every pending uevent; true if one was a hotplug of the card `devname`
    /// (`dri/card0`).
    pub fn card_hotplugged(&self, devname: &str) -> bool {
        let mut buffer = [0u8; 4096];
        let mut seen = false;
        while let Ok(len) = recv(self.0.as_raw_fd(), &mut buffer, MsgFlags::MSG_DONTWAIT) {
            seen |= is_card_hotplug(&buffer[..len], devname);
        }
        seen
    }
}

impl AsFd for UeventSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// Whether a uevent (`ACTION@DEVPATH` then KEY=VALUE fields, NUL-separated) is a hotplug
/// of the card `devname`.
fn is_card_hotplug(message: &[u8], devname: &str) -> bool {
    let fields: Vec<&[u8]> = message.split(|&b| b == 0).collect();
    let has = |field: &[u8]| fields.contains(&field);
    has(b"SUBSYSTEM=drm") && has(b"HOTPLUG=1") && has(format!("DEVNAME={devname}").as_bytes())
}

impl KmsDisplay {
    /// The uevent socket to wait on alongside the card, where it could be opened.
    pub fn hotplug_fd(&self) -> Option<BorrowedFd<'_>> {
        self.uevents.as_ref().map(AsFd::as_fd)
    }

    /// Reads the pending uevents and, after a hotplug of this card (or with `anyway`, the
    /// watchdog's look), looks at the connector again: what changed, if anything. The look
    /// is one GETCONNECTOR of the state the kernel has (no probe): connectors forced through
    /// sysfs, or on drivers that do not poll, change without a uevent.
    pub fn hotplug(&mut self, anyway: bool) -> Result<Option<Hotplug>, KmsError> {
        if !self.card_hotplugged() && !anyway {
            return Ok(None);
        }
        let info = self
            .card
            .get_connector(self.output.connector.handle(), false)
            .map_err(ioctl("reading the connector"))?;
        let connected = info.state() == connector::State::Connected && !info.modes().is_empty();
        match (self.connected, connected) {
            (false, true) => self.reconnect(info).map(Some),
            (true, true) => Ok(None),
            // The flip in flight ends first (the next look decides): the CRTC may change.
            (true, false) if self.pending.is_some() => Ok(None),
            (was_connected, false) => match self.take_over()? {
                Some(moved) => Ok(Some(moved)),
                None if was_connected => {
                    self.connected = false;
                    Ok(Some(Hotplug::Disconnected(self.output.name.clone())))
                }
                None => Ok(None),
            },
        }
    }

    /// Whether a uevent said this card's connectors changed.
    fn card_hotplugged(&self) -> bool {
        let devname = self
            .card
            .path
            .strip_prefix("/dev")
            .unwrap_or(&self.card.path)
            .display()
            .to_string();
        self.uevents
            .as_ref()
            .is_some_and(|u| u.card_hotplugged(&devname))
    }

    /// The connector is back: its modes read again, the mode set again with the next frame.
    fn reconnect(&mut self, info: connector::Info) -> Result<Hotplug, KmsError> {
        let name = connector_name(&info);
        self.output = Output::with_connector(&self.output, info)?;
        self.connected = true;
        self.modeset_done = false;
        if let Some(placement) = self.placement {
            self.place(placement.frame, placement.view)?;
        }
        Ok(Hotplug::Reconnected(name))
    }

    /// The connector in use has nothing on it: another connected one, where --connector pinned
    /// none, shows the camera instead, through a CRTC and plane of its own that scan out the
    /// buffers' format. The CRTC left behind is put back as glasscam found it. None where
    /// no other connector will do.
    fn take_over(&mut self) -> Result<Option<Hotplug>, KmsError> {
        if self.pinned || self.pending.is_some() || !self.seat_active {
            return Ok(None);
        }
        let output = match Output::choose(&self.card, None, &[self.format], false) {
            Ok((output, _)) if output.connector.handle() != self.output.connector.handle() => {
                output
            }
            Ok(_) => return Ok(None),
            Err(error) => {
                tracing::debug!("no connector takes over: {error}");
                return Ok(None);
            }
        };
        if self.atomic.is_some() {
            self.atomic = Some(AtomicProps::find(&self.card, &output)?);
        }
        if output.crtc != self.output.crtc {
            let found = SavedCrtc::read(&self.card, output.crtc)?;
            if let Some(left) = self.saved.replace(found) {
                if self.modeset_done {
                    left.put_back(&self.card, &self.output);
                }
            }
        }
        // The frame shown on the CRTC left behind is released by the first flip on the new one.
        let from = std::mem::replace(&mut self.output, output);
        self.connected = true;
        self.modeset_done = false;
        if let Some(placement) = self.placement {
            self.place(placement.frame, placement.view)?;
        }
        Ok(Some(Hotplug::Moved {
            from: from.name,
            to: self.output.name.clone(),
        }))
    }
}

/// A card's uevent socket that failed to open is no reason to stop: hotplug goes unseen.
pub fn open_uevents() -> Option<UeventSocket> {
    match UeventSocket::open() {
        Ok(socket) => Some(socket),
        Err(errno) => {
            tracing::warn!("no display hotplug events: {errno}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uevent(fields: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for field in fields {
            out.extend_from_slice(field.as_bytes());
            out.push(0);
        }
        out
    }

    #[test]
    fn a_drm_hotplug_of_this_card_is_seen_and_others_are_not() {
        let card0 = uevent(&[
            "change@/devices/pci0000:00/0000:00:02.0/drm/card0",
            "ACTION=change",
            "DEVPATH=/devices/pci0000:00/0000:00:02.0/drm/card0",
            "SUBSYSTEM=drm",
            "HOTPLUG=1",
            "DEVNAME=dri/card0",
            "SEQNUM=1234",
        ]);
        assert!(is_card_hotplug(&card0, "dri/card0"));
        assert!(!is_card_hotplug(&card0, "dri/card1"));
        let not_hotplug = uevent(&["change@/x", "SUBSYSTEM=drm", "DEVNAME=dri/card0"]);
        assert!(!is_card_hotplug(&not_hotplug, "dri/card0"));
        let other = uevent(&[
            "add@/x",
            "SUBSYSTEM=video4linux",
            "HOTPLUG=1",
            "DEVNAME=dri/card0",
        ]);
        assert!(!is_card_hotplug(&other, "dri/card0"));
        assert!(!is_card_hotplug(b"", "dri/card0"));
    }
}
