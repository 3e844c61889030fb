//! Entry point of the web app: mounts [`creneau_web::App`] over the static
//! shell of `index.html`. Everything else lives in the library.

fn main() {
    console_error_panic_hook::set_once();
    creneau_web::mount();
}
