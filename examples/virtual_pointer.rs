//! A pointer for the rig's headless sway, which has no input devices: a wlroots virtual
//! pointer (zwlr_virtual_pointer_v1) that lives as long as this program, moved by lines
//! `DX DY` on standard input; it ends at the end of input. Tools such as wlrctl remove their
//! pointer when they exit, and with it the seat's pointer and the cursor.

use std::io::BufRead;

use wayland_client::protocol::{wl_registry, wl_seat};
use wayland_client::{Connection, Dispatch, QueueHandle};
use wayland_protocols_wlr::virtual_pointer::v1::client::{
    zwlr_virtual_pointer_manager_v1::ZwlrVirtualPointerManagerV1,
    zwlr_virtual_pointer_v1::ZwlrVirtualPointerV1,
};

#[derive(Default)]
struct Globals {
    seat: Option<wl_seat::WlSeat>,
    manager: Option<ZwlrVirtualPointerManagerV1>,
}

impl Dispatch<wl_registry::WlRegistry, ()> for Globals {
    fn event(
        state: &mut Self,
        registry: &wl_registry::WlRegistry,
        event: wl_registry::Event,
        _: &(),
        _: &Connection,
        qh: &QueueHandle<Self>,
    ) {
        if let wl_registry::Event::Global {
            name, interface, ..
        } = event
        {
            match interface.as_str() {
                "wl_seat" => state.seat = Some(registry.bind(name, 1, qh, ())),
                "zwlr_virtual_pointer_manager_v1" => {
                    state.manager = Some(registry.bind(name, 1, qh, ()))
                }
                _ => {}
            }
        }
    }
}

wayland_client::delegate_noop!(Globals: ignore wl_seat::WlSeat);
wayland_client::delegate_noop!(Globals: ZwlrVirtualPointerManagerV1);
wayland_client::delegate_noop!(Globals: ZwlrVirtualPointerV1);

fn main() -> anyhow::Result<()> {
    let conn = Connection::connect_to_env()?;
    let mut queue = conn.new_event_queue();
    let qh = queue.handle();
    conn.display().get_registry(&qh, ());
    let mut globals = Globals::default();
    queue.roundtrip(&mut globals)?;
    let manager = globals
        .manager
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("the compositor offers no virtual pointer"))?;
    let pointer = manager.create_virtual_pointer(globals.seat.as_ref(), &qh, ());
    queue.roundtrip(&mut globals)?;
    println!("virtual pointer ready");
    let start = std::time::Instant::now();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let mut numbers = line.split_whitespace().map(str::parse::<f64>);
        let (Some(Ok(dx)), Some(Ok(dy))) = (numbers.next(), numbers.next()) else {
            anyhow::bail!("want a line 'DX DY', got '{line}'");
        };
        pointer.motion(start.elapsed().as_millis() as u32, dx, dy);
        pointer.frame();
        queue.roundtrip(&mut globals)?;
        println!("moved {dx} {dy}");
    }
    pointer.destroy();
    conn.flush()?;
    Ok(())
}
