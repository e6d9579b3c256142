//! The camera's controls (brightness, exposure, focus, white balance, ...): listed by
//! `--list`, set by `--control NAME=VALUE` before streaming. Names are v4l2-ctl's, so a
//! user can take them from either tool.

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::str::FromStr;

use nix::errno::Errno;

use super::{c_string, sys, Camera};

/// What a control holds, by the names v4l2-ctl gives the types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlKind {
    Integer,
    Boolean,
    Menu,
    IntegerMenu,
    Button,
    Bitmask,
    /// 64-bit integers, strings and compound controls: listed, not settable here
    /// (VIDIOC_S_CTRL carries 32 bits).
    Unsupported(u32),
}

impl ControlKind {
    fn from_v4l2(type_: u32) -> ControlKind {
        match type_ {
            sys::V4L2_CTRL_TYPE_INTEGER => ControlKind::Integer,
            sys::V4L2_CTRL_TYPE_BOOLEAN => ControlKind::Boolean,
            sys::V4L2_CTRL_TYPE_MENU => ControlKind::Menu,
            sys::V4L2_CTRL_TYPE_INTEGER_MENU => ControlKind::IntegerMenu,
            sys::V4L2_CTRL_TYPE_BUTTON => ControlKind::Button,
            sys::V4L2_CTRL_TYPE_BITMASK => ControlKind::Bitmask,
            other => ControlKind::Unsupported(other),
        }
    }

    fn name(self) -> &'static str {
        match self {
            ControlKind::Integer => "int",
            ControlKind::Boolean => "bool",
            ControlKind::Menu => "menu",
            ControlKind::IntegerMenu => "intmenu",
            ControlKind::Button => "button",
            ControlKind::Bitmask => "bitmask",
            ControlKind::Unsupported(sys::V4L2_CTRL_TYPE_INTEGER64) => "int64",
            ControlKind::Unsupported(sys::V4L2_CTRL_TYPE_STRING) => "str",
            ControlKind::Unsupported(_) => "compound",
        }
    }
}

/// One control as the driver describes it.
#[derive(Debug, Clone)]
pub struct Control {
    id: u32,
    /// As v4l2-ctl prints it: "White Balance, Automatic" is white_balance_automatic.
    pub name: String,
    pub kind: ControlKind,
    pub minimum: i64,
    pub maximum: i64,
    pub step: u64,
    pub default: i64,
    flags: u32,
    /// A menu's items: index and label (a number, for integer menus).
    pub menu: Vec<(i64, String)>,
}

impl Control {
    /// Why it cannot be set now, if it cannot.
    fn not_settable(&self) -> Option<&'static str> {
        if self.flags & sys::V4L2_CTRL_FLAG_DISABLED != 0 {
            Some("disabled")
        } else if self.flags & sys::V4L2_CTRL_FLAG_READ_ONLY != 0 {
            Some("read-only")
        } else if self.flags & sys::V4L2_CTRL_FLAG_INACTIVE != 0 {
            Some("inactive (another control, such as an automatic mode, governs it)")
        } else if let ControlKind::Unsupported(_) = self.kind {
            Some("of a type glasscam does not set (int64, string or compound)")
        } else {
            None
        }
    }

    /// The values it takes, as one phrase.
    fn range(&self) -> String {
        match self.kind {
            ControlKind::Menu | ControlKind::IntegerMenu => {
                let items: Vec<String> = self
                    .menu
                    .iter()
                    .map(|(i, label)| format!("{i}: {label}"))
                    .collect();
                format!("one of {}", items.join(", "))
            }
            ControlKind::Boolean => "0 or 1".into(),
            _ => format!(
                "{} to {} in steps of {}",
                self.minimum, self.maximum, self.step
            ),
        }
    }

    /// The number `text` stands for: a number in range, a menu item's index or label, or
    /// true/false for a boolean.
    fn parse_value(&self, text: &str) -> Option<i64> {
        let number = match (self.kind, text) {
            (ControlKind::Boolean, "true" | "on" | "yes") => Some(1),
            (ControlKind::Boolean, "false" | "off" | "no") => Some(0),
            _ => text.parse::<i64>().ok(),
        };
        let is_menu = matches!(self.kind, ControlKind::Menu | ControlKind::IntegerMenu);
        if is_menu {
            let by_label = || {
                let wanted = v4l2_ctl_name(text);
                let item = self.menu.iter().find(|(_, l)| v4l2_ctl_name(l) == wanted);
                item.map(|&(index, _)| index)
            };
            return number
                .filter(|n| self.menu.iter().any(|(i, _)| i == n))
                .or_else(by_label);
        }
        number.filter(|n| (self.minimum..=self.maximum).contains(n))
    }
}

/// One `--control NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlSetting {
    pub name: String,
    pub value: String,
}

impl FromStr for ControlSetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.split_once('=') {
            Some((name, value)) if !name.is_empty() && !value.is_empty() => Ok(ControlSetting {
                name: name.trim().to_string(),
                value: value.trim().to_string(),
            }),
            _ => Err(format!("'{text}' is not NAME=VALUE, e.g. brightness=200")),
        }
    }
}

/// Why a `--control` could not be set: all the user's to mend (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The camera has no control of that name.
    #[error("{path} has no control '{name}' (it has: {available})")]
    Unknown {
        path: PathBuf,
        name: String,
        available: String,
    },
    /// The control exists but cannot be set now.
    #[error("{path}: {name} cannot be set: it is {why}")]
    NotSettable {
        path: PathBuf,
        name: String,
        why: &'static str,
    },
    /// The value is not one the control takes.
    #[error("{path}: {name}={value} is not a value it takes ({range})")]
    BadValue {
        path: PathBuf,
        name: String,
        value: String,
        range: String,
    },
    /// The driver refused the value it had said it takes.
    #[error("{path}: setting {name}={value} failed ({errno})")]
    Refused {
        path: PathBuf,
        name: String,
        value: i64,
        errno: Errno,
    },
}

/// v4l2-ctl's name for a control: lower case, runs of anything but letters and digits
/// made one underscore, none at either end.
pub fn v4l2_ctl_name(label: &str) -> String {
    let mut name = String::new();
    let mut gap = false;
    for c in label.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !name.is_empty() {
                name.push('_');
            }
            gap = false;
            name.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    name
}

impl Camera {
    /// The driver's description of one control, by id, or of the next after `id` with
    /// V4L2_CTRL_FLAG_NEXT_CTRL; `None` past the last.
    fn query_control(&self, id: u32) -> Option<Control> {
        let mut query = sys::v4l2_query_ext_ctrl {
            id,
            ..Default::default()
        };
        // SAFETY: a valid fd and a properly sized, writable struct.
        unsafe { sys::vidioc_query_ext_ctrl(self.file.as_raw_fd(), &mut query) }.ok()?;
        let kind = ControlKind::from_v4l2(query.type_);
        let menu = match kind {
            ControlKind::Menu | ControlKind::IntegerMenu => self.menu_items(&query, kind),
            _ => Vec::new(),
        };
        Some(Control {
            id: query.id,
            name: v4l2_ctl_name(&c_string(&query.name)),
            kind,
            minimum: query.minimum,
            maximum: query.maximum,
            step: query.step,
            default: query.default_value,
            flags: query.flags,
            menu,
        })
    }

    /// A menu's items; the driver skips indices it leaves out (QUERYMENU fails for them).
    fn menu_items(
        &self,
        query: &sys::v4l2_query_ext_ctrl,
        kind: ControlKind,
    ) -> Vec<(i64, String)> {
        let mut items = Vec::new();
        for index in query.minimum..=query.maximum {
            let Ok(index) = u32::try_from(index) else {
                continue;
            };
            let mut item = sys::v4l2_querymenu {
                id: query.id,
                index,
                item: sys::v4l2_querymenu_item { value: 0 },
                reserved: 0,
            };
            // SAFETY: a valid fd and a properly sized, writable struct.
            if unsafe { sys::vidioc_querymenu(self.file.as_raw_fd(), &mut item) }.is_err() {
                continue;
            }
            // SAFETY: the union is all plain bytes; which member is meant depends on kind.
            let label = match kind {
                ControlKind::IntegerMenu => unsafe { item.item.value }.to_string(),
                _ => c_string(&unsafe { item.item.name }),
            };
            items.push((i64::from(index), label));
        }
        items
    }

    /// Every control the camera has, in the driver's order (class headings left out).
    pub fn controls(&self) -> Vec<Control> {
        let mut controls = Vec::new();
        let mut id = 0;
        while let Some(control) = self.query_control(id | sys::V4L2_CTRL_FLAG_NEXT_CTRL) {
            id = control.id;
            let heading = control.kind == ControlKind::Unsupported(sys::V4L2_CTRL_TYPE_CTRL_CLASS);
            if !heading {
                controls.push(control);
            }
        }
        controls
    }

    /// A 32-bit control's current value.
    pub fn control_value(&self, control: &Control) -> Option<i64> {
        if matches!(
            control.kind,
            ControlKind::Unsupported(_) | ControlKind::Button
        ) {
            return None;
        }
        let mut value = sys::v4l2_control {
            id: control.id,
            value: 0,
        };
        // SAFETY: a valid fd and a properly sized, writable struct.
        unsafe { sys::vidioc_g_ctrl(self.file.as_raw_fd(), &mut value) }.ok()?;
        Some(i64::from(value.value))
    }

    /// Sets each `--control` in the order given (an automatic mode turned off first makes
    /// its manual control active), then reads it back: a value the driver adjusted (to its
    /// step) is said in one line, as sizes are.
    pub fn apply_controls(&self, settings: &[ControlSetting]) -> Result<(), ControlError> {
        for setting in settings {
            let control = self.settable_control(setting)?;
            let bad_value = || ControlError::BadValue {
                path: self.path.clone(),
                name: control.name.clone(),
                value: setting.value.clone(),
                range: control.range(),
            };
            let wanted = control.parse_value(&setting.value).ok_or_else(bad_value)?;
            let mut value = sys::v4l2_control {
                id: control.id,
                value: i32::try_from(wanted).map_err(|_| bad_value())?,
            };
            // SAFETY: a valid fd and a properly sized, writable struct.
            unsafe { sys::vidioc_s_ctrl(self.file.as_raw_fd(), &mut value) }.map_err(|errno| {
                ControlError::Refused {
                    path: self.path.clone(),
                    name: control.name.clone(),
                    value: wanted,
                    errno,
                }
            })?;
            match self.control_value(&control) {
                Some(set) if set != wanted => say!(
                    "glasscam: {} set {} to {set}, not {wanted} (its step is {})",
                    self.path.display(),
                    control.name,
                    control.step
                ),
                _ => {}
            }
        }
        Ok(())
    }

    /// The control `setting` names, described as it is now (an earlier setting may have
    /// made it active or inactive), if it can be set.
    fn settable_control(&self, setting: &ControlSetting) -> Result<Control, ControlError> {
        let controls = self.controls();
        let wanted = v4l2_ctl_name(&setting.name);
        let Some(control) = controls.iter().find(|c| c.name == wanted) else {
            let names: Vec<&str> = controls.iter().map(|c| c.name.as_str()).collect();
            return Err(ControlError::Unknown {
                path: self.path.clone(),
                name: setting.name.clone(),
                available: names.join(", "),
            });
        };
        match control.not_settable() {
            Some(why) => Err(ControlError::NotSettable {
                path: self.path.clone(),
                name: control.name.clone(),
                why,
            }),
            None => Ok(control.clone()),
        }
    }
}

/// `--list`'s lines for one control, like v4l2-ctl's.
pub fn describe(control: &Control, value: Option<i64>) -> String {
    let mut line = format!("    {} ({})", control.name, control.kind.name());
    match control.kind {
        ControlKind::Button => {}
        ControlKind::Menu | ControlKind::IntegerMenu => {
            line += &format!(": min={} max={}", control.minimum, control.maximum);
        }
        _ => {
            line += &format!(
                ": min={} max={} step={}",
                control.minimum, control.maximum, control.step
            );
        }
    }
    if control.kind != ControlKind::Button {
        line += &format!(" default={}", control.default);
    }
    if let Some(value) = value {
        line += &format!(" value={value}");
    }
    if let Some(why) = control.not_settable() {
        line += &format!(" [{}]", why.split(' ').next().unwrap_or(why));
    }
    line.push('\n');
    for (index, label) in &control.menu {
        line += &format!("      {index}: {label}\n");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(kind: ControlKind, range: (i64, i64), menu: &[(i64, &str)]) -> Control {
        Control {
            id: 1,
            name: "test".into(),
            kind,
            minimum: range.0,
            maximum: range.1,
            step: 1,
            default: 0,
            flags: 0,
            menu: menu.iter().map(|&(i, l)| (i, l.to_string())).collect(),
        }
    }

    #[test]
    fn names_are_v4l2_ctls() {
        assert_eq!(v4l2_ctl_name("Brightness"), "brightness");
        assert_eq!(
            v4l2_ctl_name("White Balance, Automatic"),
            "white_balance_automatic"
        );
        assert_eq!(v4l2_ctl_name("Integer 32 Bits"), "integer_32_bits");
        assert_eq!(v4l2_ctl_name(" (Exposure) Time "), "exposure_time");
    }

    #[test]
    fn values_out_of_range_or_off_the_menu_are_refused() {
        let integer = control(ControlKind::Integer, (0, 255), &[]);
        assert_eq!(integer.parse_value("200"), Some(200));
        assert_eq!(integer.parse_value("256"), None);
        assert_eq!(integer.parse_value("-1"), None);
        assert_eq!(integer.parse_value("bright"), None);
        let menu = control(
            ControlKind::Menu,
            (0, 3),
            &[(0, "Manual Mode"), (3, "Aperture Priority Mode")],
        );
        assert_eq!(menu.parse_value("3"), Some(3));
        assert_eq!(menu.parse_value("1"), None, "an index the driver skips");
        assert_eq!(menu.parse_value("manual_mode"), Some(0));
        assert_eq!(menu.parse_value("Aperture Priority Mode"), Some(3));
        let boolean = control(ControlKind::Boolean, (0, 1), &[]);
        assert_eq!(boolean.parse_value("true"), Some(1));
        assert_eq!(boolean.parse_value("2"), None);
    }

    #[test]
    fn settings_are_name_equals_value() {
        let setting: ControlSetting = "brightness=200".parse().unwrap();
        assert_eq!(setting.name, "brightness");
        assert_eq!(setting.value, "200");
        assert!("brightness".parse::<ControlSetting>().is_err());
        assert!("=3".parse::<ControlSetting>().is_err());
        assert!("brightness=".parse::<ControlSetting>().is_err());
    }

    #[test]
    fn listing_names_type_range_value_and_menu() {
        let mut menu = control(ControlKind::Menu, (0, 1), &[(0, "Off"), (1, "On")]);
        menu.flags = sys::V4L2_CTRL_FLAG_INACTIVE;
        assert_eq!(
            describe(&menu, Some(1)),
            "    test (menu): min=0 max=1 default=0 value=1 [inactive]\n      0: Off\n      1: On\n"
        );
    }
}
