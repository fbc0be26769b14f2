//! Adapter choice and the device: honours `WGPU_BACKEND`, `WGPU_ADAPTER_NAME` and
//! `WGPU_POWER_PREF` as wgpu's own tools do, plus an explicit adapter-name filter, and turns
//! every wgpu failure (no adapter, validation, out of memory, device lost) into
//! [`Error::Gpu`] instead of a panic.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use wgpu::{
    Adapter, Backends, DeviceType, ErrorFilter, Instance, InstanceDescriptor, Limits, PollType,
    PowerPreference,
};

use crate::{Error, Result};

/// What `firesale devices` shows of an adapter, and what chunking reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: DeviceType,
    pub driver: String,
    pub driver_info: String,
    /// Bytes one storage binding may cover (bounds the rows of one chunk).
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_compute_workgroups_per_dimension: u32,
    pub max_compute_invocations_per_workgroup: u32,
}

impl AdapterSummary {
    fn new(adapter: &Adapter) -> Self {
        let info = adapter.get_info();
        let limits = adapter.limits();
        AdapterSummary {
            name: info.name,
            backend: info.backend.to_string(),
            device_type: info.device_type,
            driver: info.driver,
            driver_info: info.driver_info,
            max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
            max_buffer_size: limits.max_buffer_size,
            max_compute_workgroups_per_dimension: limits.max_compute_workgroups_per_dimension,
            max_compute_invocations_per_workgroup: limits.max_compute_invocations_per_workgroup,
        }
    }
}

/// The words for an adapter's device type, e.g. "discrete GPU" or "software on the CPU".
pub fn device_type_name(device_type: DeviceType) -> &'static str {
    match device_type {
        DeviceType::DiscreteGpu => "discrete GPU",
        DeviceType::IntegratedGpu => "integrated GPU",
        DeviceType::VirtualGpu => "virtual GPU",
        DeviceType::Cpu => "software on the CPU",
        DeviceType::Other => "other",
    }
}

/// Every adapter wgpu finds on the backends `WGPU_BACKEND` allows (all by default).
pub fn list_adapters() -> Vec<AdapterSummary> {
    let (instance, backends) = instance();
    pollster::block_on(instance.enumerate_adapters(backends))
        .iter()
        .map(AdapterSummary::new)
        .collect()
}

fn instance() -> (Instance, Backends) {
    let descriptor = InstanceDescriptor::new_without_display_handle_from_env();
    let backends = descriptor.backends;
    (Instance::new(descriptor), backends)
}

/// Rank of a device type when several adapters match (lower is preferred).
fn preference(device_type: DeviceType, power: PowerPreference) -> u8 {
    match (device_type, power) {
        (DeviceType::IntegratedGpu, PowerPreference::LowPower) => 0,
        (DeviceType::DiscreteGpu, _) => 1,
        (DeviceType::IntegratedGpu, _) => 2,
        (DeviceType::VirtualGpu, _) => 3,
        (DeviceType::Other, _) => 4,
        (DeviceType::Cpu, _) => 5,
    }
}

/// The adapter whose name contains `filter` and `WGPU_ADAPTER_NAME` (case-insensitive, each
/// when given), preferring discrete GPUs (integrated ones under `WGPU_POWER_PREF=low`).
fn choose_adapter(
    instance: &Instance,
    backends: Backends,
    filter: Option<&str>,
) -> Result<Adapter> {
    if backend_names(backends).is_empty() {
        let given = std::env::var("WGPU_BACKEND").unwrap_or_default();
        return Err(Error::Usage(format!(
            "WGPU_BACKEND='{given}' names no backend; give one or more of vulkan, metal, dx12, gl (comma-separated), or unset it"
        )));
    }
    let env_name = std::env::var("WGPU_ADAPTER_NAME").ok();
    let filters: Vec<String> = filter
        .into_iter()
        .chain(env_name.as_deref())
        .map(str::to_lowercase)
        .collect();
    let power = PowerPreference::from_env().unwrap_or_default();
    let adapters = pollster::block_on(instance.enumerate_adapters(backends));
    let available: Vec<String> = adapters
        .iter()
        .map(|a| {
            let info = a.get_info();
            format!("{} ({})", info.name, info.backend)
        })
        .collect();
    adapters
        .into_iter()
        .filter(|adapter| {
            let name = adapter.get_info().name.to_lowercase();
            filters.iter().all(|f| name.contains(f.as_str()))
        })
        .min_by_key(|adapter| preference(adapter.get_info().device_type, power))
        .ok_or_else(|| {
            let wanted = if filters.is_empty() {
                String::new()
            } else {
                format!(" matching '{}'", filters.join("' and '"))
            };
            let found = if available.is_empty() {
                "none found (is a Vulkan, Metal or DX12 driver installed?)".to_string()
            } else {
                format!("available: {}", available.join(", "))
            };
            Error::Gpu(format!(
                "no GPU adapter{wanted} (backends {}); {found}. Run with --backend cpu to use the CPU engine",
                backend_names(backends).join(", ")
            ))
        })
}

/// The names of the backends in `backends` (as `WGPU_BACKEND` writes them).
fn backend_names(backends: Backends) -> Vec<&'static str> {
    [
        (Backends::VULKAN, "vulkan"),
        (Backends::METAL, "metal"),
        (Backends::DX12, "dx12"),
        (Backends::GL, "gl"),
        (Backends::BROWSER_WEBGPU, "webgpu"),
    ]
    .into_iter()
    .filter(|(backend, _)| backends.contains(*backend))
    .map(|(_, name)| name)
    .collect()
}

/// One dispatch of `groups` (x, y) workgroups of a compute pipeline over its bind group.
pub struct Dispatch<'a> {
    pub pipeline: &'a wgpu::ComputePipeline,
    pub bind_group: &'a wgpu::BindGroup,
    pub groups: (u32, u32),
}

/// How a shader sees one buffer of a bind group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// `var<uniform>`: small, read-only, cached.
    Uniform,
    /// `var<storage, read>`.
    Read,
    /// `var<storage, read_write>`.
    ReadWrite,
}

/// An open device with the adapter it came from, catching wgpu's errors.
pub struct GpuDevice {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: AdapterSummary,
    pub limits: Limits,
    /// Errors no scope caught, and the device-lost message, for the next check.
    failures: Arc<Mutex<Vec<String>>>,
    /// The pipelines compiled last, least recently used first.
    compiled: Mutex<Vec<(PipelineKey, CompiledPipeline)>>,
}

/// What a pipeline is compiled from: WGSL source, entry point, bindings.
type PipelineKey = (String, String, Vec<Binding>);
type CompiledPipeline = (wgpu::ComputePipeline, wgpu::BindGroupLayout);

/// Compiled pipelines a device keeps ([`GpuDevice::compute_pipeline`]): a path shader, its
/// recording variant, their reductions and the probes, with room to spare.
pub const COMPILED_KEPT: usize = 8;

impl GpuDevice {
    /// Opens the adapter whose name contains `filter` and `WGPU_ADAPTER_NAME` (each when
    /// given, case-insensitive), preferring discrete GPUs (integrated ones under
    /// `WGPU_POWER_PREF=low`); `WGPU_BACKEND` limits the backends searched.
    pub fn open(filter: Option<&str>) -> Result<Self> {
        let (instance, backends) = instance();
        let adapter = choose_adapter(&instance, backends, filter)?;
        let summary = AdapterSummary::new(&adapter);
        let limits = adapter.limits();
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("firesale"),
            required_limits: limits.clone(),
            ..Default::default()
        }))
        .map_err(|error| {
            Error::Gpu(format!(
                "cannot open GPU device on {}: {error}",
                summary.name
            ))
        })?;
        let failures = Arc::new(Mutex::new(Vec::new()));
        let uncaptured = Arc::clone(&failures);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            if let Ok(mut failures) = uncaptured.lock() {
                failures.push(error.to_string());
            }
        }));
        let lost = Arc::clone(&failures);
        device.set_device_lost_callback(move |reason, message| {
            if let Ok(mut failures) = lost.lock() {
                let reason = match reason {
                    wgpu::DeviceLostReason::Destroyed => "destroyed",
                    _ => "reason unknown",
                };
                failures.push(format!("device lost ({reason}): {message}"));
            }
        });
        Ok(GpuDevice {
            device,
            queue,
            adapter: summary,
            limits,
            failures,
            compiled: Mutex::new(Vec::new()),
        })
    }

    /// Runs `work` inside validation and out-of-memory error scopes; any error they catch
    /// (or any uncaptured error or device loss so far) fails `what`.
    pub fn scoped<T>(&self, what: &str, work: impl FnOnce() -> T) -> Result<T> {
        let out_of_memory = self.device.push_error_scope(ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(ErrorFilter::Validation);
        let value = work();
        let validation = pollster::block_on(validation.pop());
        let out_of_memory = pollster::block_on(out_of_memory.pop());
        if let Some(error) = validation.or(out_of_memory) {
            return Err(Error::Gpu(format!(
                "GPU {what} failed on {}: {error}",
                self.adapter.name
            )));
        }
        self.check(what)?;
        Ok(value)
    }

    /// Fails when wgpu reported an error outside any scope or lost the device.
    pub fn check(&self, what: &str) -> Result<()> {
        let failures = self
            .failures
            .lock()
            .map(|f| f.join("; "))
            .unwrap_or_else(|_| "error state poisoned".to_string());
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Error::Gpu(format!(
                "GPU {what} failed on {}: {failures}",
                self.adapter.name
            )))
        }
    }

    /// A compute pipeline from WGSL `source`, entry point `entry`, over one bind group of
    /// buffers bound as `bindings` (binding i ↔ element i). The last [`COMPILED_KEPT`]
    /// compiled are kept, keyed by all three: a model that differs from the last one only in
    /// values the shader reads from its parameter buffer (a calibration's trials) composes
    /// the same source and is not compiled again.
    pub fn compute_pipeline(
        &self,
        label: &str,
        source: &str,
        entry: &str,
        bindings: &[Binding],
    ) -> Result<CompiledPipeline> {
        let key = (source.to_string(), entry.to_string(), bindings.to_vec());
        let mut compiled = self
            .compiled
            .lock()
            .map_err(|_| Error::Gpu("GPU pipeline cache poisoned".to_string()))?;
        if let Some(at) = compiled.iter().position(|(k, _)| *k == key) {
            let entry = compiled.remove(at);
            let pipeline = entry.1.clone();
            compiled.push(entry);
            return Ok(pipeline);
        }
        let what = format!("shader compilation ({label})");
        // A shader-compiler bug panics inside wgpu (naga's backends); report it as an error.
        let pipeline = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.scoped(&what, || {
                self.create_pipeline(label, source, entry, bindings)
            })
        }))
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            Err(Error::Gpu(format!(
                "GPU {what} failed on {}: the shader compiler crashed: {message}",
                self.adapter.name
            )))
        })?;
        if compiled.len() == COMPILED_KEPT {
            compiled.remove(0);
        }
        compiled.push((key, pipeline.clone()));
        Ok(pipeline)
    }

    fn create_pipeline(
        &self,
        label: &str,
        source: &str,
        entry: &str,
        bindings: &[Binding],
    ) -> CompiledPipeline {
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let entries: Vec<wgpu::BindGroupLayoutEntry> = bindings
            .iter()
            .enumerate()
            .map(|(index, binding)| wgpu::BindGroupLayoutEntry {
                binding: index as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: match binding {
                        Binding::Uniform => wgpu::BufferBindingType::Uniform,
                        Binding::Read => wgpu::BufferBindingType::Storage { read_only: true },
                        Binding::ReadWrite => wgpu::BufferBindingType::Storage { read_only: false },
                    },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        let layout = self
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries: &entries,
            });
        let pipeline_layout = self
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let pipeline = self
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            });
        (pipeline, layout)
    }

    /// A buffer of `size` bytes with `usage`.
    pub fn buffer(
        &self,
        label: &str,
        size: u64,
        usage: wgpu::BufferUsages,
    ) -> Result<wgpu::Buffer> {
        self.scoped(&format!("allocation of {size} bytes ({label})"), || {
            self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size,
                usage,
                mapped_at_creation: false,
            })
        })
    }

    /// A bind group binding `buffers` whole, in order.
    pub fn bind_group(
        &self,
        layout: &wgpu::BindGroupLayout,
        buffers: &[&wgpu::Buffer],
    ) -> Result<wgpu::BindGroup> {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        self.scoped("bind group creation", || {
            self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: None,
                layout,
                entries: &entries,
            })
        })
    }

    /// Zeroes `clear`, runs `dispatches` in order (each sees the writes of those before it),
    /// copies the first bytes of each `(source, staging, bytes)` into its staging buffer,
    /// waits, and returns their contents.
    pub fn dispatch_and_read(
        &self,
        clear: &[&wgpu::Buffer],
        dispatches: &[Dispatch],
        reads: &[(&wgpu::Buffer, &wgpu::Buffer, u64)],
    ) -> Result<Vec<Vec<u8>>> {
        self.scoped("dispatch", || {
            let mut encoder = self
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
            for buffer in clear {
                encoder.clear_buffer(buffer, 0, None);
            }
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
                for dispatch in dispatches {
                    pass.set_pipeline(dispatch.pipeline);
                    pass.set_bind_group(0, dispatch.bind_group, &[]);
                    pass.dispatch_workgroups(dispatch.groups.0, dispatch.groups.1, 1);
                }
            }
            for (source, staging, bytes) in reads {
                encoder.copy_buffer_to_buffer(source, 0, staging, 0, *bytes);
            }
            self.queue.submit([encoder.finish()]);
            for (_, staging, bytes) in reads {
                staging.map_async(wgpu::MapMode::Read, 0..*bytes, |_| {});
            }
        })?;
        self.device
            .poll(PollType::wait_indefinitely())
            .map_err(|error| {
                Error::Gpu(format!(
                    "GPU dispatch failed on {}: {error}",
                    self.adapter.name
                ))
            })?;
        self.check("dispatch")?;
        reads
            .iter()
            .map(|(_, staging, bytes)| {
                let data = staging
                    .get_mapped_range(0..*bytes)
                    .map_err(|error| {
                        Error::Gpu(format!(
                            "cannot read GPU results on {}: {error}",
                            self.adapter.name
                        ))
                    })?
                    .to_vec();
                staging.unmap();
                Ok(data)
            })
            .collect()
    }
}
