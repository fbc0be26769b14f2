//! Slurm: a job array whose task I runs shard I of N, and a merge job that starts when every
//! task has ended well (`afterok`).
//!
//! `firesale slurm` writes three files into the run's folder (which must be on a filesystem
//! the compute nodes share):
//!
//! - `shards.sbatch`: the array, one `firesale run --shard $SLURM_ARRAY_TASK_ID/N` per task,
//!   each writing `shards/shard-I.state`, logging to `logs/shard-I.log`;
//! - `merge.sbatch`: `firesale merge shards/shard-*.state --out DIR`, logging to
//!   `logs/merge.log`, writing `summary.json`;
//! - `submit.sh [TASKS]`: submits the array (all tasks, or only `TASKS` in `--array` syntax,
//!   e.g. `3,7`) and a merge job that depends on it. It is how `--submit` submits and how a
//!   failed task is re-run alone: the array script hands `submit.sh {indices}` to the shards
//!   as `FIRESALE_RERUN`, so `firesale merge` prints it with the missing indices filled in.

use std::path::{Path, PathBuf};

use crate::shard::command::quote;

/// Everything the scripts say.
#[derive(Debug, Clone, PartialEq)]
pub struct SlurmJob {
    /// The run's folder (absolute).
    pub dir: PathBuf,
    /// The firesale binary the tasks run (absolute).
    pub firesale: PathBuf,
    /// The scenario as `firesale run` takes it: a built-in name or an absolute path.
    pub scenario: String,
    /// The scenario's name, for the job names.
    pub name: String,
    pub paths: u64,
    pub seed: u64,
    pub shards: u64,
    pub partition: Option<String>,
    pub account: Option<String>,
    pub gpus_per_task: Option<u32>,
    pub cpus_per_task: u32,
    /// Memory per task in sbatch's form (`4G`).
    pub mem: Option<String>,
    /// Time limit of each shard task in sbatch's form (`02:00:00`).
    pub time: Option<String>,
    /// At most this many tasks run at once (`--array=0-99%10`).
    pub max_running: Option<u32>,
}

/// Time limit of the merge job: merging takes seconds, even for thousands of shards.
const MERGE_TIME: &str = "00:30:00";

impl SlurmJob {
    pub fn shards_script_path(&self) -> PathBuf {
        self.dir.join("shards.sbatch")
    }

    pub fn merge_script_path(&self) -> PathBuf {
        self.dir.join("merge.sbatch")
    }

    pub fn submit_script_path(&self) -> PathBuf {
        self.dir.join("submit.sh")
    }

    /// Where the shard tasks write their state files.
    pub fn shards_dir(&self) -> PathBuf {
        self.dir.join("shards")
    }

    /// Where the tasks' and the merge's logs go (sbatch needs it to exist before submission).
    pub fn logs_dir(&self) -> PathBuf {
        self.dir.join("logs")
    }

    /// The merged summary the merge job writes.
    pub fn summary_path(&self) -> PathBuf {
        self.dir.join("summary.json")
    }

    /// The job array script.
    pub fn shards_script(&self) -> String {
        // `--threads` sizes the CPU engine's pool: a GPU shard is given none.
        let (backend, threads) = if self.gpus_per_task.is_some() {
            ("gpu", "")
        } else {
            ("cpu", " --threads \"$SLURM_CPUS_PER_TASK\"")
        };
        let throttle = self
            .max_running
            .map_or(String::new(), |max| format!("%{max}"));
        let mut options = vec![
            format!("job-name={}", self.job_name()),
            format!("array=0-{}{throttle}", self.shards - 1),
            "ntasks=1".to_string(),
            format!("cpus-per-task={}", self.cpus_per_task),
        ];
        options.extend(self.gpus_per_task.map(|g| format!("gpus-per-task={g}")));
        options.extend(self.mem.as_ref().map(|mem| format!("mem={mem}")));
        options.extend(self.time.as_ref().map(|time| format!("time={time}")));
        options.push(format!(
            "output={}",
            self.logs_dir().join("shard-%a.log").display()
        ));
        let state_out = format!(
            "{}\"$SLURM_ARRAY_TASK_ID\"{}",
            quote(&format!("{}/shard-", self.shards_dir().display())),
            quote(".state")
        );
        let rerun = format!("{} {{indices}}", quote(&path(&self.submit_script_path())));
        format!(
            "#!/bin/bash\n\
             # firesale: {scenario}, {paths} paths, seed {seed}, in {shards} shards: task I of this\n\
             # job array runs shard I. Written by `firesale slurm`; submit it with its merge job:\n\
             #   {submit}\n\
             # and re-run failed tasks alone (`firesale merge` names them), e.g. tasks 3 and 7:\n\
             #   {submit} 3,7\n\
             {options}\
             set -euo pipefail\n\
             export FIRESALE_RERUN={rerun}\n\
             exec {firesale} run {scenario_arg} --paths {paths} --seed {seed} --backend {backend} \\\n\
             \x20  {threads} --shard \"$SLURM_ARRAY_TASK_ID/{shards}\" \\\n\
             \x20   --state-out {state_out}\n",
            scenario = self.name,
            paths = self.paths,
            seed = self.seed,
            shards = self.shards,
            submit = quote(&path(&self.submit_script_path())),
            options = self.sbatch_lines(options),
            rerun = quote(&rerun),
            firesale = quote(&path(&self.firesale)),
            scenario_arg = quote(&self.scenario),
        )
    }

    /// The merge job's script.
    pub fn merge_script(&self) -> String {
        let options = vec![
            format!("job-name={}-merge", self.job_name()),
            "ntasks=1".to_string(),
            "cpus-per-task=1".to_string(),
            format!("time={MERGE_TIME}"),
            format!("output={}", self.logs_dir().join("merge.log").display()),
        ];
        format!(
            "#!/bin/bash\n\
             # firesale: merges the {shards} shards of {scenario} into {summary}.\n\
             # Written by `firesale slurm`; submit.sh submits it to start once every shard task\n\
             # has ended well (afterok).\n\
             {options}\
             set -euo pipefail\n\
             exec {firesale} merge {shards_dir}/shard-*.state --out {dir}\n",
            shards = self.shards,
            scenario = self.name,
            summary = path(&self.summary_path()),
            options = self.sbatch_lines(options),
            firesale = quote(&path(&self.firesale)),
            shards_dir = quote(&path(&self.shards_dir())),
            dir = quote(&path(&self.dir)),
        )
    }

    /// The script that submits the array (all tasks, or the `--array` list given as `$1`)
    /// and then the merge job, depending on it; it prints both job ids.
    pub fn submit_script(&self) -> String {
        format!(
            "#!/bin/bash\n\
             # Submits the shard tasks of {scenario} (all, or those listed as sbatch's --array\n\
             # takes them, e.g. `submit.sh 3,7`) and a merge job that starts once they all ended\n\
             # well. Written by `firesale slurm`.\n\
             set -euo pipefail\n\
             array=$(sbatch --parsable ${{1:+--array=\"$1\"}} {shards_script})\n\
             array=${{array%%;*}}\n\
             merge=$(sbatch --parsable --dependency=afterok:\"$array\" --kill-on-invalid-dep=yes {merge_script})\n\
             merge=${{merge%%;*}}\n\
             echo \"array job $array: shard tasks ${{1:-0-{last}}} of {shards}\"\n\
             echo \"merge job $merge: runs once they all ended well, writes {summary}\"\n",
            scenario = self.name,
            shards_script = quote(&path(&self.shards_script_path())),
            merge_script = quote(&path(&self.merge_script_path())),
            last = self.shards - 1,
            shards = self.shards,
            summary = path(&self.summary_path()),
        )
    }

    fn job_name(&self) -> String {
        let name: String = self
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("firesale-{name}")
    }

    /// `#SBATCH` lines: `options` after the partition and account.
    fn sbatch_lines(&self, options: Vec<String>) -> String {
        let placement = [
            self.partition.as_ref().map(|p| format!("partition={p}")),
            self.account.as_ref().map(|a| format!("account={a}")),
        ];
        placement
            .into_iter()
            .flatten()
            .chain(options)
            .map(|option| format!("#SBATCH --{option}\n"))
            .collect()
    }
}

fn path(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> SlurmJob {
        SlurmJob {
            dir: PathBuf::from("/shared/runs/x"),
            firesale: PathBuf::from("/opt/firesale/bin/firesale"),
            scenario: "crypto-unwind".to_string(),
            name: "crypto-unwind".to_string(),
            paths: 1_000_000,
            seed: 7,
            shards: 16,
            partition: Some("gpu".to_string()),
            account: None,
            gpus_per_task: Some(1),
            cpus_per_task: 4,
            mem: Some("4G".to_string()),
            time: Some("01:00:00".to_string()),
            max_running: Some(8),
        }
    }

    #[test]
    fn the_array_runs_one_shard_per_task_on_the_gpu_when_gpus_are_requested() {
        let script = job().shards_script();
        for line in [
            "#SBATCH --partition=gpu\n",
            "#SBATCH --array=0-15%8\n",
            "#SBATCH --gpus-per-task=1\n",
            "#SBATCH --cpus-per-task=4\n",
            "#SBATCH --time=01:00:00\n",
            "#SBATCH --output=/shared/runs/x/logs/shard-%a.log\n",
            "export FIRESALE_RERUN='/shared/runs/x/submit.sh {indices}'\n",
            "--backend gpu",
            "--shard \"$SLURM_ARRAY_TASK_ID/16\"",
            "--state-out /shared/runs/x/shards/shard-\"$SLURM_ARRAY_TASK_ID\".state\n",
        ] {
            assert!(script.contains(line), "{line} in:\n{script}");
        }
        let cpu = SlurmJob {
            gpus_per_task: None,
            ..job()
        }
        .shards_script();
        assert!(cpu.contains("--backend cpu") && !cpu.contains("gpus-per-task"));
        let threads = "--threads \"$SLURM_CPUS_PER_TASK\" --shard";
        assert!(cpu.contains(threads), "{cpu}");
        assert!(
            !script.contains("--threads"),
            "no --threads on a GPU shard:\n{script}"
        );
    }

    #[test]
    fn the_merge_job_merges_every_shard_file_and_submit_chains_it_afterok() {
        let merge = job().merge_script();
        assert!(merge.contains(
            "exec /opt/firesale/bin/firesale merge /shared/runs/x/shards/shard-*.state --out /shared/runs/x\n"
        ));
        assert!(!merge.contains("gpus"));
        let submit = job().submit_script();
        assert!(submit.contains("--dependency=afterok:\"$array\""));
        assert!(submit.contains("${1:+--array=\"$1\"} /shared/runs/x/shards.sbatch"));
    }
}
