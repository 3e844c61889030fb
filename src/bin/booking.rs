//! The booking app's entry point: only mounts (see `creneau_web::booking`).

fn main() {
    console_error_panic_hook::set_once();
    creneau_web::booking::mount();
}
