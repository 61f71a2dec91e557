#!/usr/bin/env python3
"""Builds the repositories bench/iac.sh compares, of about N deployment files each.

Usage: iac.py N OUT SHARED

- OUT/bicep: replicas of every `.bicep` file of SHARED/corpus-iac/bicep that has its
  compiled JSON beside it (modules included, folders kept, so module paths resolve);
- OUT/bicep-json: the compiled JSON of the same files, in the same folders: the same
  deployments as ARM JSON;
- OUT/bicep-both: the .bicep files and their compiled JSON together (N of each), as
  repositories commit them;
- OUT/terraform: replicas of SHARED/corpus-iac/terraform (whole folders, so each module
  directory keeps its files);
- OUT/json: replicas of SHARED/corpus (ARM JSON deployments), as many files as OUT/terraform.
Prints the file counts."""
import os, shutil, sys

n, out, shared = int(sys.argv[1]), sys.argv[2], sys.argv[3]
iac = os.path.join(shared, "corpus-iac")

def files_under(root, pred):
    found = []
    for d, _, names in os.walk(root):
        for f in sorted(names):
            p = os.path.join(d, f)
            if pred(p):
                found.append(os.path.relpath(p, root))
    return sorted(found)

def replicate(src_root, rels, dest, want):
    """Copies `rels` (relative to src_root) into dest/c<k>/ until `want` files."""
    if not rels:
        return 0
    count, k = 0, 0
    while count < want:
        for r in rels:
            if count >= want:
                break
            t = os.path.join(dest, f"c{k}", r)
            os.makedirs(os.path.dirname(t), exist_ok=True)
            shutil.copyfile(os.path.join(src_root, r), t)
            count += 1
        k += 1
    return count

broot = os.path.join(iac, "bicep")
pairs = [r for r in files_under(broot, lambda p: p.endswith(".bicep"))
         if os.path.exists(os.path.join(broot, r[:-len(".bicep")] + ".json"))]
nb = replicate(broot, pairs, os.path.join(out, "bicep"), n)
nj = replicate(broot, [p[:-len(".bicep")] + ".json" for p in pairs], os.path.join(out, "bicep-json"), n)
# Both files of each pair, as repositories commit them: the source is judged and the
# compiled JSON evaluated too, to compare verdicts (AKS903).
both = sorted(pairs + [p[:-len(".bicep")] + ".json" for p in pairs])
nboth = replicate(broot, both, os.path.join(out, "bicep-both"), 2 * n)
troot = os.path.join(iac, "terraform")
tf = files_under(troot, lambda p: p.endswith(".tf") or p.endswith(".tfvars"))
nt = replicate(troot, tf, os.path.join(out, "terraform"), n)
croot = os.path.join(shared, "corpus")
arm = files_under(croot, lambda p: p.endswith(".json"))
na = replicate(croot, arm, os.path.join(out, "json"), nt)
print(f"bicep {nb} bicep-json {nj} bicep-both {nboth} terraform {nt} json {na}")
