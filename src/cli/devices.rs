//! `firesale devices`: every GPU adapter wgpu finds, with what the engine reads of it.

use firesale::Result;
use firesale::engine::gpu::device::device_type_name;
use firesale::engine::gpu::list_adapters;
use firesale::report::format::bytes;

pub fn run() -> Result<()> {
    let adapters = list_adapters();
    if adapters.is_empty() {
        println!(
            "no GPU adapter found (install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers and libvulkan1); `--backend cpu` still runs"
        );
    }
    for (index, adapter) in adapters.iter().enumerate() {
        println!("[{index}] {}", adapter.name);
        println!(
            "    backend {}, type {}",
            adapter.backend,
            device_type_name(adapter.device_type)
        );
        println!("    driver {} {}", adapter.driver, adapter.driver_info);
        println!(
            "    max storage binding {}, max buffer {}, max workgroups per dimension {}, max invocations per workgroup {}",
            bytes(adapter.max_storage_buffer_binding_size),
            bytes(adapter.max_buffer_size),
            adapter.max_compute_workgroups_per_dimension,
            adapter.max_compute_invocations_per_workgroup,
        );
    }
    Ok(())
}
