//! `sanku link LEFT [RIGHT] --config link.toml --out DIR [--dedupe]`: reads the files,
//! links them ([`crate::filelink`]) and writes the link's files into a run directory that
//! replaces DIR whole, as a run's does.

use std::fmt;

use crate::cli::LinkArgs;
use crate::config;
use crate::config::filelink::read_link_config;
use crate::filelink::run::link_tables;
use crate::ground::error::bad_input;
use crate::ground::timer::Timer;
use crate::pipeline::load::any::read_any;
use crate::pipeline::load::display_name;

use crate::ground::threads::with_threads;
use crate::rundir::staging::RunDir;

/// What the closing line says.
pub struct LinkReport {
    pub records: [usize; 2],
    pub dedupe: bool,
    pub pairs: u64,
    pub links: usize,
    pub review: usize,
    pub rejected: usize,
}

impl fmt::Display for LinkReport {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.dedupe {
            write!(f, "{} records deduplicated", self.records[0])?;
        } else {
            write!(
                f,
                "{} × {} records linked",
                self.records[0], self.records[1]
            )?;
        }
        write!(
            f,
            ": {} pairs compared, {} links, {} to review",
            self.pairs, self.links, self.review
        )?;
        if self.rejected > 0 {
            write!(f, ", {} rows rejected (rejects.csv)", self.rejected)?;
        }
        Ok(())
    }
}

pub fn link(args: &LinkArgs) -> anyhow::Result<LinkReport> {
    let files: Vec<&std::path::Path> = match (&args.right, args.dedupe) {
        (Some(right), false) => vec![&args.left, right],
        (None, true) => vec![&args.left],
        (Some(_), true) => {
            return Err(bad_input(
                "--dedupe reads one file; drop the second".to_string(),
            ));
        }
        (None, false) => {
            return Err(bad_input(
                "give two files to link, or one with --dedupe".to_string(),
            ));
        }
    };
    let threads = config::threads(args.job.threads)?;
    let (spec, config_sha256) = read_link_config(&args.config, args.accept, args.review)?;
    let mut inputs: Vec<&std::path::Path> = files.clone();
    inputs.push(&args.config);
    let dir = RunDir::prepare(&args.out, &inputs)?;
    let mut timer = Timer::new(args.job.verbose > 0);
    with_threads(threads, move || {
        let read = |s: usize| {
            let path = files[s];
            read_any(path, &display_name(path), &spec.columns(s), &spec.read[s])
        };
        let tables = timer.stage("read", || match files.len() {
            1 => read(0).map(|t| vec![t]),
            _ => {
                let (left, right) = rayon::join(|| read(0), || read(1));
                Ok(vec![left?, right?])
            }
        })?;
        let rejects: Vec<_> = tables
            .iter()
            .flat_map(|t| t.rejects.iter().cloned())
            .collect();
        let inputs: Vec<_> = tables.iter().map(|t| t.info.clone()).collect();
        let linked = link_tables(spec, &tables, &mut timer);
        drop(tables);
        let stages = timer.stages().to_vec();
        timer.stage("write", || {
            crate::filelink::output::write_link(
                dir.path(),
                &linked,
                &inputs,
                &rejects,
                &config_sha256,
                &stages,
            )
        })?;
        dir.commit()?;
        Ok(LinkReport {
            records: [
                linked.left.len(),
                linked.right.as_ref().map_or(0, |r| r.len()),
            ],
            dedupe: linked.right.is_none(),
            pairs: linked.blocks.pairs,
            links: linked.decision.links.len() + linked.exact.len(),
            review: linked.decision.review.len(),
            rejected: rejects.len(),
        })
    })
}
