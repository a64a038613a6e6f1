//! `klutch-tui unbind RESOURCE`: delete one APIServiceBinding after the user typed its name
//! (or `--yes`), and say what stays.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use kube::ResourceExt;

use crate::cli::UnbindArgs;
use crate::config::Paths;
use crate::services::bind::unbind;

/// Run `unbind`.
pub fn run(kubeconfig: Option<String>, args: UnbindArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::discover();
    let _guard = crate::logging::init(&paths.state_dir)?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let app =
            super::app_client(kubeconfig.as_deref(), args.app_context.as_deref(), &paths).await?;
        let binding = unbind::find(&app, &args.resource).await?;
        let name = binding.name_any();
        if !args.yes {
            eprint!(
                "Unbinding {name} removes its CRD and its {} objects from this App Cluster (their Control Plane objects stay). Type {name} to go on: ",
                name.split('.').next().unwrap_or(&name)
            );
            std::io::stderr().flush()?;
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            if line.trim() != name {
                eprintln!("Not confirmed; nothing was changed.");
                return Ok(ExitCode::from(1));
            }
        }
        let done = unbind::unbind(&app, &binding).await?;
        println!("unbound {}", done.binding);
        let sharing = if done.sharing.is_empty() {
            String::new()
        } else {
            format!(", still used by {}", done.sharing.join(", "))
        };
        eprintln!(
            "Kept: the export and the objects on the Control Plane{}, and the kubeconfig Secret klutch-bind/{}{sharing}. Binding again brings the objects back here.",
            done.provider.map(|p| format!(" ({p})")).unwrap_or_default(),
            done.secret
        );
        Ok(ExitCode::SUCCESS)
    })
}
