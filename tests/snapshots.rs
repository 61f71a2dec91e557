//! Snapshots of the human rendering (plain theme, width 100) for several rules.
mod common;
use common::*;

fn human(dir: &str, file: &str) -> String {
    let r = run(&["check", file], Some(&root().join(dir)));
    format!("exit: {}\n{}", r.code, r.stdout)
}

#[test]
fn aks003_kubenet_with_udr() {
    insta::assert_snapshot!(human("fixtures/rules/AKS003", "fail-kubenet.json"));
}

#[test]
fn aks004_missing_subnet() {
    insta::assert_snapshot!(human(
        "fixtures/rules/AKS004",
        "fail-pool-without-subnet.json"
    ));
}

#[test]
fn aks005_default_route_to_internet() {
    insta::assert_snapshot!(human(
        "fixtures/rules/AKS005",
        "fail-default-route-to-internet.json"
    ));
}

#[test]
fn aks007_public_ip_constructs() {
    insta::assert_snapshot!(human(
        "fixtures/rules/AKS007",
        "fail-managed-outbound-ips.json"
    ));
}

#[test]
fn aks900_unknown_parameter() {
    insta::assert_snapshot!(human(
        "fixtures/rules/AKS900",
        "fail-network-plugin-unknown.json"
    ));
}

#[test]
fn aks901_syntax_error() {
    insta::assert_snapshot!(human("fixtures/rules/AKS901", "fail-syntax-error.json"));
}

#[test]
fn value_from_parameter_file_points_at_the_parameter_file() {
    insta::assert_snapshot!(human("fixtures/resolve/param-file", "."));
}

/// A Terraform JSON syntax file: the finding at the `.tf.json` line and column of the
/// value (a variable default written in another file of the module).
#[test]
fn aks003_on_a_tf_json_file() {
    insta::assert_snapshot!(human(
        "fixtures/terraform/fail-tf-json-udr-kubenet",
        "main.tf.json"
    ));
}
