//! The `sanku` binary: parse the command line, build a `Config`, call the library, map
//! the outcome to an exit code (0 ok, 1 runtime failure, 2 bad input or usage, 3 a run
//! that looks wrong).

use clap::Parser;
use sanku::cli::{Cli, Command};
use sanku::config::Config;
use sanku::ground::error::{ExitCode, exit_code_of};
use sanku_synth::generate::generate_options;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Writes to standard output; a reader that closed the pipe (`| head`) is not an error.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn main() {
    sanku::cmd::no_huge_pages();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => Config::from_run(args).and_then(|config| {
            let report = sanku::cmd::run::run(&config)?;
            if !config.quiet {
                let rejects = if report.rejected > 0 {
                    format!(" (rejected rows: {})", config.out.join("rejects.csv").display())
                } else {
                    String::new()
                };
                eprintln!("sanku: {report}; written to {}{rejects}", config.out.display());
            }
            Ok(())
        }),
        Command::Check(args) => Config::from_check(args).and_then(|config| {
            let rejected = sanku::cmd::check::check(&config)?;
            if !config.quiet {
                eprintln!(
                    "sanku: checked, {rejected} rows rejected (see {})",
                    config.out.join("rejects.csv").display()
                );
            }
            Ok(())
        }),
        Command::Generate(args) => generate_options(args).and_then(|options| {
            let report = sanku_synth::generate::generate(&options)?;
            if !args.quiet {
                let country = if options.provinces > 1 {
                    format!(
                        " in {} provinces, {} children studying in another province",
                        options.provinces, report.migrants
                    )
                } else {
                    String::new()
                };
                eprintln!(
                    "sanku: generated {} people, {} student records, {} poverty members, {} exemptions, {} disability certificates; {} true dropouts, {} injected errors{country}",
                    report.population, report.students, report.poverty, report.exemptions, report.disability, report.dropouts, report.errors
                );
            }
            Ok(())
        }),
        Command::Evaluate(args) => sanku_synth::evaluate::evaluate(&args.truth, &args.run)
            .and_then(|evaluation| write_stdout(&evaluation.to_string())),
        Command::Explain(args) => sanku::cmd::explain::explain(&args.run, &args.key)
            .and_then(|text| write_stdout(&text)),
        Command::Rescore(args) => sanku::cmd::rescore::rescore(args).map(|report| {
            if !args.job.quiet {
                eprintln!("sanku: rescored {report}; written to {}", args.out.display());
            }
        }),
        Command::Reconcile(args) => sanku::reconcile::reconcile(&args.options()).map(|report| {
            if !args.job.quiet {
                eprintln!("sanku: {report}; written to {}", args.out.display());
            }
        }),
        Command::Encode(args) => sanku::reconcile::encode::encode(&args.options()).map(|report| {
            if !args.job.quiet {
                eprintln!("sanku: {report}; written to {}", args.out.display());
            }
        }),
        Command::Link(args) => sanku::cmd::link::link(args).map(|report| {
            if !args.job.quiet {
                eprintln!("sanku: {report}; written to {}", args.out.display());
            }
        }),
        Command::Diff(args) => sanku::cmd::diff::diff(&args.before, &args.after, args.by_county)
            .and_then(|(text, summary)| {
                eprintln!("sanku: {summary}");
                write_stdout(&text)
            }),
        Command::Completions(args) => write_stdout(&sanku::cmd::shell::completions(args.shell)),
        Command::Man(args) => match &args.out {
            Some(dir) => sanku::cmd::shell::write_man_pages(dir).map(|written| {
                eprintln!("sanku: {} man pages written to {}", written.len(), dir.display());
            }),
            None => sanku::cmd::shell::man_page(args.command.as_deref())
                .and_then(|page| write_stdout(&page.roff)),
        },
    };
    let code = match result {
        Ok(()) => ExitCode::Ok,
        Err(err) => {
            let code = exit_code_of(&err);
            if code != ExitCode::Ok {
                eprintln!("sanku: {err:#}");
            }
            code
        }
    };
    std::process::exit(code as i32);
}
