# Sphinx configuration of the collection's documentation site (`make docs`).
# Started from `antsibull-docs sphinx-init --use-current scalingo.cloud` (antsibull-docs 2.28.0), then: no
# intersphinx (the build is offline), MyST for the Markdown guides copied in at build time, and the few references
# to Ansible's own documentation resolved to its pages (see resolve_ansible_docs).

project = "scalingo.cloud"
copyright = "scalingo.cloud contributors"
html_title = "scalingo.cloud documentation"
html_short_title = "scalingo.cloud"

extensions = ["sphinx_antsibull_ext", "myst_parser"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

default_role = "any"
nitpicky = True

# Markdown headings get anchors, so that `[text](#heading)` links resolve.
myst_heading_anchors = 3

# Ansible's documentation, where the generated plugin pages point for the common return values, the configuration
# settings and the ANSIBLE_* variables of the cache options. Anything else unresolved stays a warning (an error).
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"
ANSIBLE_LABELS = {
    "common_return_values": "reference_appendices/common_return_values.html",
    "ansible_configuration_settings": "reference_appendices/config.html",
}


def resolve_ansible_docs(app, env, node, contnode):
    from docutils import nodes

    target = node.get("reftarget", "")
    if node.get("reftype") == "ref" and target in ANSIBLE_LABELS:
        url = ANSIBLE_DOCS + ANSIBLE_LABELS[target]
    elif node.get("reftype") == "envvar" and target.startswith("ANSIBLE_"):
        url = f"{ANSIBLE_DOCS}reference_appendices/config.html#envvar-{target}"
    else:
        return None
    reference = nodes.reference("", "", internal=False, refuri=url)
    reference.append(contnode)
    return reference


def setup(app):
    app.connect("missing-reference", resolve_ansible_docs)
