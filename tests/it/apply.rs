//! What an apply leaves in the shell: every SDK and the AWS CLI use the session, the profile
//! chosen before is remembered for a refresh and given back by `--unset`, and so is the region.

use crate::support::*;

const WORK_ID: &str = "AKIAWORKWORKWORK0001";

/// A home whose `work` profile holds long-term keys, and `default` others.
fn home() -> Home {
    let home = Home::with_default_profile();
    let creds = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    home.credentials(&format!(
        "{creds}[work]\naws_access_key_id = {WORK_ID}\naws_secret_access_key = work/secret\n"
    ));
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = us-east-1\n[profile work]\nmfa_serial = {SERIAL}\nregion = us-east-1\n"
    ));
    home
}

/// A Node script that prints the access key id and token `fromNodeProviderChain` resolves.
const NODE: &str = r#"
const { fromNodeProviderChain } = require(process.env.MODULES + "/@aws-sdk/credential-providers");
fromNodeProviderChain()().then(
  (c) => console.log(c.accessKeyId + " " + (c.sessionToken || "none")),
  (e) => { console.error(e.message); process.exit(3); },
);
"#;

/// In bash, zsh and fish, with AWS_PROFILE naming a profile with long-term keys: after an
/// apply, the JavaScript SDK and the AWS CLI both use the session, without a warning.
#[test]
fn every_sdk_uses_the_session_after_an_apply() {
    let Some(modules) = js_sdk() else { return };
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = home();
    std::fs::write(home.file("chain.js"), NODE).unwrap();
    let bin = BIN;
    let shells: [(&str, &[&str], String); 3] = [
        (
            "bash",
            &["--norc", "-eu", "-s"],
            format!(
                "eval \"$({} -t 123456)\"\nnode chain.js\naws configure list\n",
                sh_quote(bin)
            ),
        ),
        (
            "zsh",
            &["--no-rcs", "-eu", "-s"],
            format!(
                "eval \"$({} -t 123456)\"\nnode chain.js\naws configure list\n",
                sh_quote(bin)
            ),
        ),
        (
            "fish",
            &["--no-config"],
            format!(
                "{} -t 123456 | source\nnode chain.js\naws configure list\n",
                fish_quote(bin)
            ),
        ),
    ];
    for (shell, flags, script) in shells {
        if !require(shell) || !require("aws") {
            continue;
        }
        let out = run(
            home.command(shell)
                .args(flags)
                .env("AWS_ENDPOINT_URL_STS", &sts.url)
                .env("AWS_PROFILE", "work")
                .env("MODULES", &modules)
                .env("AWS_DEFAULT_REGION", "us-east-1"),
            &script,
        );
        let text = stdout(&out);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert!(
            text.starts_with(&format!("{FIXED_ID} {FIXED_TOKEN}\n")),
            "{shell}: the JavaScript SDK used something else: {text}"
        );
        assert!(
            !stderr(&out).contains("Multiple credential sources")
                && !stderr(&out).contains("Both AWS_PROFILE"),
            "{shell}: {}",
            stderr(&out)
        );
        let access_key = text
            .lines()
            .find(|l| l.trim_start().starts_with("access_key"))
            .unwrap_or_default();
        assert!(access_key.contains(" env"), "{shell}: {text}");
    }
    assert!(sts.requests().iter().all(|r| r.signing_key() == WORK_ID));
}

/// A refresh after an apply signs with the remembered profile; `--unset` gives `AWS_PROFILE`
/// back exactly, and restores nothing when nothing was set.
#[test]
fn the_chosen_profile_is_remembered_and_restored() {
    if !require("bash") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = home();
    let bin = sh_quote(BIN);
    let script = format!(
        "eval \"$({bin} -t 111111)\"\n\
         echo \"after apply: ${{AWS_PROFILE-unset}} $MFA_ENV_PROFILE\"\n\
         eval \"$({bin} -t 222222 --force)\"\n\
         {bin} status 2>&1\n\
         eval \"$({bin} --unset)\"\n\
         echo \"after unset: ${{AWS_PROFILE-unset}} ${{MFA_ENV_PROFILE-unset}} ${{MFA_ENV_RESTORE_PROFILE-unset}}\"\n"
    );
    let run_with = |profile: Option<&str>| {
        let mut cmd = home.command("bash");
        cmd.args(["--norc", "-eu", "-s"])
            .env("AWS_ENDPOINT_URL_STS", &sts.url);
        if let Some(p) = profile {
            cmd.env("AWS_PROFILE", p);
        }
        let out = run(&mut cmd, &script);
        assert_succeeds(&out);
        stdout(&out)
    };
    let text = run_with(Some("work"));
    assert!(
        text.starts_with("after apply: unset work\nthis shell: the session of 'work', "),
        "{text}"
    );
    assert!(text.ends_with("after unset: work unset unset\n"), "{text}");
    let keys: Vec<String> = sts.requests().iter().map(|r| r.signing_key()).collect();
    assert_eq!(
        keys,
        [WORK_ID, WORK_ID],
        "the refresh used the remembered profile"
    );

    let text = run_with(None);
    assert!(text.starts_with("after apply: unset default\n"), "{text}");
    assert!(text.ends_with("after unset: unset unset unset\n"), "{text}");
    assert_eq!(sts.requests()[2].signing_key(), LONG_TERM_ID);
}

/// The region survives an apply: with `AWS_PROFILE=prod` (whose region is eu-west-1), the
/// apply clears `AWS_PROFILE` and sets `AWS_REGION` and `AWS_DEFAULT_REGION`, so botocore still
/// has the region; `--unset` gives back what the shell had (here `AWS_DEFAULT_REGION`), and a
/// refresh for another profile does not take the region of the first. In each real shell.
#[test]
fn the_region_survives_an_apply() {
    if !require("python3") {
        return;
    }
    let sts = FakeSts::start(vec![Reply::fixed()]);
    let home = Home::with_default_profile();
    let creds = std::fs::read_to_string(home.file(".aws/credentials")).unwrap();
    home.credentials(&format!(
        "{creds}[prod]\naws_access_key_id = {WORK_ID}\naws_secret_access_key = work/secret\n"
    ));
    home.config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile prod]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
    ));
    let region = "python3 -c \"import botocore.session as s; print('botocore:', s.Session().get_config_variable('region'))\"";
    let show = "printf '%s %s %s\\n' \"${AWS_REGION-unset}\" \"${AWS_DEFAULT_REGION-unset}\" \"${AWS_PROFILE-unset}\"";
    let bin = sh_quote(BIN);
    let posix = format!(
        "eval \"$({bin} -t 123456)\"\n{show}\n{region}\n\
         eval \"$({bin} -t 123456 -p default)\"\n{show}\n\
         eval \"$({bin} --unset)\"\n{show}\n{region}\n\
         export AWS_DEFAULT_REGION=sa-east-1\n\
         eval \"$({bin} -t 123456 --region ap-south-1)\"\n{show}\n\
         eval \"$({bin} --unset)\"\n{show}\n"
    );
    let fbin = fish_quote(BIN);
    let fshow = "printf '%s %s %s\\n' (set -q AWS_REGION; and echo $AWS_REGION; or echo unset) (set -q AWS_DEFAULT_REGION; and echo $AWS_DEFAULT_REGION; or echo unset) (set -q AWS_PROFILE; and echo $AWS_PROFILE; or echo unset)";
    let fish = format!(
        "{fbin} -t 123456 | source\n{fshow}\n{region}\n\
         {fbin} -t 123456 -p default | source\n{fshow}\n\
         {fbin} --unset | source\n{fshow}\n{region}\n\
         set -gx AWS_DEFAULT_REGION sa-east-1\n\
         {fbin} -t 123456 --region ap-south-1 | source\n{fshow}\n\
         {fbin} --unset | source\n{fshow}\n"
    );
    // The profile's region applied; not taken along to a profile without one; given back to
    // the profile by --unset; a user's own AWS_DEFAULT_REGION kept and given back.
    let expected = "eu-west-1 eu-west-1 unset\nbotocore: eu-west-1\n\
                    unset unset unset\n\
                    unset unset prod\nbotocore: eu-west-1\n\
                    ap-south-1 ap-south-1 unset\n\
                    unset sa-east-1 prod\n";
    let mut shells: Vec<(&str, Vec<&str>, &String)> = POSIX_SHELLS
        .iter()
        .map(|(shell, flags)| (*shell, flags.to_vec(), &posix))
        .collect();
    shells.push((FISH.0, FISH.1.to_vec(), &fish));
    for (shell, flags, script) in shells {
        if !require(shell) {
            continue;
        }
        let out = run(
            home.command(shell)
                .args(&flags)
                .env("AWS_ENDPOINT_URL_STS", &sts.url)
                .env("AWS_PROFILE", "prod"),
            script,
        );
        assert_eq!(stdout(&out), expected, "{shell}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{shell}");
    }
}
