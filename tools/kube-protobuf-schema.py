#!/usr/bin/env python3
"""Writes src/Bosun.ApiServer/Protobuf/KubernetesProtobuf.schema, Bosun's own schema of the Kubernetes protobuf messages.

Reads the Go API types of k8s.io/api and k8s.io/apimachinery (git checkouts; each struct field's `protobuf:"wire,NUMBER,..."`
tag is the public field number, its `json` tag the JSON name and an empty name an inline-embedded struct, and a `*` type a
pointer), walks every message reachable from the built-in kinds, and prints the schema to stdout.
With --check it also compares every field number, name and type against the repositories' published generated.proto.

    tools/kube-protobuf-schema.py --api PATH/TO/kubernetes/api --apimachinery PATH/TO/kubernetes/apimachinery \
        > src/Bosun.ApiServer/Protobuf/KubernetesProtobuf.schema
"""
import argparse, os, re, subprocess, sys
ap = argparse.ArgumentParser()
ap.add_argument("--api", required=True); ap.add_argument("--apimachinery", required=True)
ap.add_argument("--ref", default="HEAD"); ap.add_argument("--check", action="store_true")
ARGS = ap.parse_args()
API = ARGS.api; AM = ARGS.apimachinery
def ls(repo, d): return [l for l in subprocess.check_output(["git","-C",repo,"ls-tree","--name-only",ARGS.ref,d+"/"],text=True).split() ]
def show(repo, p): return subprocess.check_output(["git","-C",repo,"show",ARGS.ref+":"+p],text=True)
PKGS = {}  # import path -> (proto pkg, repo, dir)
for d in ["core/v1","apps/v1","batch/v1","autoscaling/v1","autoscaling/v2","discovery/v1","coordination/v1","events/v1","networking/v1",
          "policy/v1","rbac/v1","storage/v1","scheduling/v1","authentication/v1","authorization/v1"]:
    PKGS["k8s.io/api/"+d] = (d.replace("/","."), API, d)
PKGS["k8s.io/apimachinery/pkg/apis/meta/v1"] = ("meta.v1", AM, "pkg/apis/meta/v1")
SPECIAL = {("k8s.io/apimachinery/pkg/apis/meta/v1","Time"):"Time",("k8s.io/apimachinery/pkg/apis/meta/v1","MicroTime"):"MicroTime",
  ("k8s.io/apimachinery/pkg/apis/meta/v1","Duration"):"Duration",("k8s.io/apimachinery/pkg/apis/meta/v1","FieldsV1"):"FieldsV1",
  ("k8s.io/apimachinery/pkg/util/intstr","IntOrString"):"IntOrString",("k8s.io/apimachinery/pkg/api/resource","Quantity"):"Quantity",
  ("k8s.io/apimachinery/pkg/runtime","RawExtension"):"RawExtension",("k8s.io/apimachinery/pkg/types","UID"):"string",
  ("k8s.io/apimachinery/pkg/types","NodeName"):"string"}
SCALARS = {"string":"string","int32":"int32","int64":"int64","bool":"bool","float64":"double","int":"int64","uint32":"int32","uint64":"int64","byte":"int32"}
structs = {}  # (imp, name) -> [fields]
named = {}    # (imp, name) -> (underlying go type, imports)
fieldre = re.compile(r'^\s*([^`]+?)\s*`([^`]*)`')
for imp,(pp,repo,d) in PKGS.items():
    for f in ls(repo,d):
        if not f.endswith(".go") or f.endswith("_test.go") or "zz_generated" in f or "generated" in f.split("/")[-1]: continue
        src = show(repo,f)
        imports = {}
        for m in re.finditer(r'^\s*(\w+\s+)?"([\w\./-]+)"\s*$', src.split("\n)\n")[0] if "import (" in src else "", re.M):
            path = m.group(2); alias = (m.group(1) or path.split("/")[-1]).strip(); imports[alias]=path
        for m in re.finditer(r'^import\s+(\w+\s+)?"([\w\./-]+)"', src, re.M):
            path=m.group(2); imports[(m.group(1) or path.split("/")[-1]).strip()]=path
        for m in re.finditer(r'^type (\w+) struct \{\n(.*?)^\}', src, re.M|re.S):
            name = m.group(1); fields=[]
            for line in m.group(2).split("\n"):
                fm = fieldre.match(line)
                if not fm or line.strip().startswith("//"): continue
                toks = fm.group(1).split(); tag = fm.group(2)
                pb = re.search(r'protobuf:"([^"]*)"', tag); js = re.search(r'json:"([^"]*)"', tag)
                if not pb or pb.group(1)=="-": continue
                parts = pb.group(1).split(",")
                num = int(parts[1]); rep = parts[2]=="rep"
                if len(toks)==1: gname=None; gtype=toks[0]
                else: gname,gtype=toks[0],toks[1]
                jname = js.group(1).split(",")[0] if js else None
                inline = not jname
                always = bool(js) and "omitempty" not in js.group(1) and "omitzero" not in js.group(1)
                fields.append(dict(num=num, json=jname, type=gtype, inline=inline, imports=imports, wire=parts[0], always=always))
            structs[(imp,name)] = fields
        for m in re.finditer(r'^type (\w+) ([\w\.\[\]\*]+)\s*$', src, re.M):
            if m.group(2)!="struct": named[(imp,m.group(1))]=(m.group(2),imports,imp)
def resolve(t, imports, imp):
    """-> (kind, ptr, rep, map) kind is scalar or special or message (imp,name)"""
    ptr=False
    if t.startswith("*"): ptr=True; t=t[1:]
    if t=="[]byte": return ("bytes",ptr)
    if t.startswith("[]"):
        k,p = resolve(t[2:],imports,imp); return (("rep",k),ptr)
    if t.startswith("map["):
        kt,vt = t[4:].split("]",1); k,_=resolve(kt,imports,imp); v,_=resolve(vt,imports,imp); return (("map",k,v),ptr)
    if t in SCALARS: return (SCALARS[t],ptr)
    if "." in t:
        a,n=t.split(".")
        if a not in imports: raise Exception("no import "+a)
        ti=imports[a]
    else: ti,n=imp,t
    if (ti,n) in SPECIAL: return (SPECIAL[(ti,n)],ptr)
    if (ti,n) in structs: return (("msg",ti,n),ptr)
    if (ti,n) in named:
        u,ims,i2 = named[(ti,n)]; k,p = resolve(u,ims,i2); return (k,ptr or p)
    raise Exception("unresolved %s in %s"%(t,imp))
def pname(ti,n): return PKGS[ti][0]+"."+n
def tstr(k):
    if isinstance(k,str): return k
    if k[0]=="rep": return "[]"+tstr(k[1])
    if k[0]=="map": return "{"+tstr(k[1])+"}"+("StringList" if k[2]==("rep","string") else tstr(k[2]))
    return pname(k[1],k[2])
roots = [("core/v1",x) for x in "Pod Namespace Node Service Endpoints ConfigMap Secret ServiceAccount Event ReplicationController PersistentVolume PersistentVolumeClaim LimitRange ResourceQuota PodTemplate Binding".split()]
roots += [("apps/v1",x) for x in "Deployment ReplicaSet StatefulSet DaemonSet ControllerRevision".split()]
roots += [("batch/v1","Job"),("batch/v1","CronJob"),("autoscaling/v1","HorizontalPodAutoscaler"),("autoscaling/v1","Scale"),("autoscaling/v2","HorizontalPodAutoscaler"),
  ("discovery/v1","EndpointSlice"),("coordination/v1","Lease"),("events/v1","Event"),("networking/v1","Ingress"),("networking/v1","IngressClass"),("networking/v1","NetworkPolicy"),
  ("policy/v1","PodDisruptionBudget"),("policy/v1","Eviction"),("rbac/v1","Role"),("rbac/v1","ClusterRole"),("rbac/v1","RoleBinding"),("rbac/v1","ClusterRoleBinding"),
  ("storage/v1","StorageClass"),("scheduling/v1","PriorityClass"),("authentication/v1","TokenRequest"),("authorization/v1","SelfSubjectAccessReview"),
  ("authorization/v1","SubjectAccessReview"),("authorization/v1","LocalSubjectAccessReview"),("authorization/v1","SelfSubjectRulesReview"),
  ("authentication/v1","SelfSubjectReview"),("authentication/v1","TokenReview"),
  ("certificates/v1","CertificateSigningRequest")]
out=[]; seen=set(); queue=[("k8s.io/api/"+d,n) for d,n in roots]
# Option bodies typed clients send (a delete's DeleteOptions is encoded like any object body).
queue += [("k8s.io/apimachinery/pkg/apis/meta/v1", "DeleteOptions")]
while queue:
    key=queue.pop(0)
    if key in seen: continue
    seen.add(key); imp,n=key
    lines=["message "+pname(imp,n)]
    for f in sorted(structs[key], key=lambda f:f["num"]):
        try: k,ptr = resolve(f["type"], f["imports"], imp)
        except Exception as e: print("skipped (type outside the schema):", n, f["json"], e, file=sys.stderr); continue
        def walk(k):
            if isinstance(k,tuple):
                if k[0]=="msg": queue.append((k[1],k[2]))
                else: [walk(x) for x in k[1:]]
        walk(k)
        jn = "~" if f["inline"] else f["json"]
        # "!": a non-pointer number or bool that Go's JSON always writes (no omitempty), so its zero is a real value.
        keep = "*" if ptr else "!" if f["always"] and k in ("int32", "int64", "bool", "double") else ""
        lines.append("  %d %s %s%s" % (f["num"], jn, keep, tstr(k)))
    out.append("\n".join(lines))
HEADER = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "kube-protobuf-schema.header")).read()
def check(schema):
    """Compares every schema field with the published generated.proto: number, name, repeated-ness and type."""
    protos = {}
    def load(repo, path, pkg):
        src = subprocess.check_output(["git","-C",repo,"show",ARGS.ref+":"+path], text=True)
        for m in re.finditer(r'^message (\w+) \{\n(.*?)^\}', src, re.M|re.S):
            protos[pkg+"."+m.group(1)] = {int(f.group(4)): (f.group(3), f.group(1), f.group(2)) for f in
                re.finditer(r'^\s*(optional|repeated|map<[^>]+>)\s*([\w\.]*)\s+(\w+)\s*=\s*(\d+);', m.group(2), re.M)}
    for imp,(pp,repo,d) in PKGS.items(): load(repo, d+"/generated.proto", pp)
    special = {"Time":"Time","MicroTime":"MicroTime","Duration":"Duration","FieldsV1":"FieldsV1","IntOrString":"IntOrString",
               "Quantity":"Quantity","RawExtension":"RawExtension"}
    cur = None; problems = 0; fields = 0
    for line in schema.split("\n"):
        if line.startswith("#") or not line.strip(): continue
        if line.startswith("message "): cur = line.split()[1]; continue
        num, js, t = line.split(); fields += 1
        p = protos.get(cur, {}).get(int(num))
        if p is None: print("not in generated.proto:", cur, num, js, file=sys.stderr); problems += 1; continue
        base = t.lstrip("*!")
        rep = p[1] == "repeated" or p[1].startswith("map")
        if rep != (base.startswith("[]") or base.startswith("{")) and base != "bytes":
            print("repeated differs:", cur, num, js, t, p, file=sys.stderr); problems += 1
        if js != "~" and p[0].lower() != js.lower(): print("name differs:", cur, num, js, p, file=sys.stderr); problems += 1
        base = base[2:] if base.startswith("[]") else base
        if not base.startswith("{") and p[2].split(".")[-1] != special.get(base, base.split(".")[-1]):
            print("type differs:", cur, num, js, t, p, file=sys.stderr); problems += 1
    print("checked %d fields against generated.proto: %d problems" % (fields, problems), file=sys.stderr)

SCHEMA = HEADER + "\n\n".join(out)
print(SCHEMA)
if ARGS.check: check(SCHEMA)
