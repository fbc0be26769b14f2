//! The Kubernetes manifests of docs/kubernetes: the Indexed Job runs shard I of N in pod I
//! on a volume every pod shares, the merge Job reads that volume; and the firesale commands
//! they hold run as written (here on the CPU, with few paths, in a scratch folder standing
//! for the volume) and merge into one complete run.

use std::path::Path;
use std::process::Command;

use crate::common::{assert_success, firesale_in, scratch_dir};
use yaml_rust2::{Yaml, YamlLoader};

const INDEX: &str = "$(JOB_COMPLETION_INDEX)";

fn manifest(name: &str) -> Vec<Yaml> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/kubernetes")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the manifest is there");
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name} is not YAML: {e}"))
}

/// The object of kind `kind` called `name`.
fn object<'a>(docs: &'a [Yaml], kind: &str, name: &str) -> &'a Yaml {
    docs.iter()
        .find(|doc| {
            doc["kind"].as_str() == Some(kind) && doc["metadata"]["name"].as_str() == Some(name)
        })
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn strings(list: &Yaml) -> Vec<String> {
    list.as_vec()
        .expect("a list")
        .iter()
        .map(|item| item.as_str().expect("a string").to_string())
        .collect()
}

/// The value after `flag` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> &'a str {
    let at = args.iter().position(|a| a == name);
    at.and_then(|i| args.get(i + 1))
        .unwrap_or_else(|| panic!("{name} in {args:?}"))
}

/// The single container of a Job, and its volume mount on the shards' volume: (container,
/// mount path, subPath, claim name).
fn container_and_volume(job: &Yaml) -> (&Yaml, String, String, String) {
    let pod = &job["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"));
    let containers = pod["containers"].as_vec().expect("containers");
    assert_eq!(containers.len(), 1);
    let container = &containers[0];
    let mount = &container["volumeMounts"][0];
    let volume = pod["volumes"]
        .as_vec()
        .expect("volumes")
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("the mounted volume");
    (
        container,
        mount["mountPath"].as_str().expect("mountPath").to_string(),
        mount["subPath"].as_str().unwrap_or("").to_string(),
        volume["persistentVolumeClaim"]["claimName"]
            .as_str()
            .expect("a claim")
            .to_string(),
    )
}

/// The shard Job: Indexed, N completions, `--shard $(JOB_COMPLETION_INDEX)/N`, each state
/// file named by the index on a ReadWriteMany claim, GPUs requested with `--backend gpu`, a
/// failed index retried alone.
#[test]
fn the_indexed_job_runs_shard_i_of_n_in_pod_i_on_a_shared_volume() {
    let docs = manifest("shards-job.yaml");
    let job = object(&docs, "Job", "firesale-shards");
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let completions = spec["completions"].as_i64().expect("completions");
    let parallelism = spec["parallelism"].as_i64().expect("parallelism");
    assert!((1..=completions).contains(&parallelism));
    assert!(spec["backoffLimitPerIndex"].as_i64() >= Some(1));

    let (container, mount_path, _, claim) = container_and_volume(job);
    let args = strings(&container["args"]);
    assert_eq!(strings(&container["command"]), ["firesale"]);
    assert_eq!(args[0], "run");
    assert_eq!(flag(&args, "--shard"), format!("{INDEX}/{completions}"));
    let state_out = flag(&args, "--state-out");
    assert!(
        state_out.starts_with(&format!("{mount_path}/")) && state_out.contains(INDEX),
        "{state_out}: one file per index on the volume"
    );
    assert_eq!(flag(&args, "--backend"), "gpu");
    let gpus = container["resources"]["limits"]["nvidia.com/gpu"].as_i64();
    assert!(gpus >= Some(1), "GPUs requested");

    let pvc = object(&docs, "PersistentVolumeClaim", &claim);
    assert!(strings(&pvc["spec"]["accessModes"]).contains(&"ReadWriteMany".to_string()));
}

/// The merge Job reads the same claim and folder and merges every shard file there.
#[test]
fn the_merge_job_merges_the_shard_files_of_the_volume() {
    let shards = manifest("shards-job.yaml");
    let (_, shard_mount, shard_sub, shard_claim) =
        container_and_volume(object(&shards, "Job", "firesale-shards"));
    let docs = manifest("merge-job.yaml");
    let (container, mount, sub, claim) =
        container_and_volume(object(&docs, "Job", "firesale-merge"));
    assert_eq!((&claim, &sub), (&shard_claim, &shard_sub));
    let script = strings(&container["args"]).join(" ");
    assert!(
        script.starts_with("firesale merge ") && script.contains(&format!("{mount}/shard-*.state")),
        "{script}"
    );
    assert_eq!(mount, shard_mount);
}

/// The manifests' commands run as written: every index's shard, then the merge, with the
/// volume a scratch folder, few paths, and the CPU engine.
#[test]
fn the_manifests_commands_run_and_merge_into_a_complete_run() {
    let shards = manifest("shards-job.yaml");
    let job = object(&shards, "Job", "firesale-shards");
    let completions = job["spec"]["completions"].as_i64().unwrap();
    let (container, mount, _, _) = container_and_volume(job);
    let volume = scratch_dir("kubernetes");
    let local = |arg: &str| arg.replace(&mount, volume.to_str().unwrap());
    let args = strings(&container["args"]);
    for index in 0..completions {
        let mut run: Vec<String> = args
            .iter()
            .map(|arg| local(arg).replace(INDEX, &index.to_string()))
            .collect();
        let paths = run.iter().position(|a| a == "--paths").unwrap() + 1;
        run[paths] = completions.to_string();
        let backend = run.iter().position(|a| a == "--backend").unwrap() + 1;
        run[backend] = "cpu".to_string();
        let run: Vec<&str> = run.iter().map(String::as_str).collect();
        assert_success(&firesale_in(&volume, &run));
    }
    let merge = manifest("merge-job.yaml");
    let (container, _, _, _) = container_and_volume(object(&merge, "Job", "firesale-merge"));
    let script = local(&strings(&container["args"]).join(" ")).replacen(
        "firesale",
        env!("CARGO_BIN_EXE_firesale"),
        1,
    );
    assert_success(&Command::new("sh").args(["-c", &script]).output().unwrap());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(volume.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["paths"], completions);
    assert_eq!(summary["partial"], false);
}
