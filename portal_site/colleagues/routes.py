"""The company contacts page. Only a Company admin reaches it (404 for every other role), and
core limits each change to the admin's own customer."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from core.errors import DoorstepError, NotFoundError
from core.queries.portal import list_colleagues
from core.services import colleagues
from portal_site.colleagues import bp
from portal_site.colleagues.forms import InviteColleagueForm, RemoveAccessForm, RoleForm
from portal_site.site.errors import translated
from portal_site.site.forms import client_ip, show_error
from portal_site.site.session import company_admin_required, scope


def _page(invite: InviteColleagueForm | None = None, status: int = 200):
    rows = list_colleagues(scope())
    role_forms = {c.id: RoleForm(formdata=None, role=c.role, prefix=f"c{c.id}") for c in rows}
    return render_template("colleagues/index.html", colleagues=rows, role_forms=role_forms,
                           remove_form=RemoveAccessForm(formdata=None),
                           invite=invite or InviteColleagueForm(formdata=None),
                           needs_approval=scope().preferences.colleague_invites_need_approval
                           ), status


@bp.get("/company/contacts")
@login_required
@company_admin_required
def index():
    """The company's contacts with their roles and access, and the invitation form."""
    return _page()


@bp.post("/company/contacts/invite")
@login_required
@company_admin_required
def invite():
    """Invite a colleague (or ask staff to, when the organization approves invitations)."""
    form = InviteColleagueForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        contact = colleagues.invite_colleague(
            scope(), first_name=form.first_name.data, last_name=form.last_name.data or "",
            email=form.email.data, role=form.role.data, ip=client_ip())
    except DoorstepError as error:
        show_error(form, error)
        return _page(form, 400)
    if contact.portal_state == "invited":
        flash(_("We sent %(name)s an invitation.", name=contact.full_name), "success")
    else:
        flash(_("We asked for portal access for %(name)s. You will see it here once it is "
                "approved.", name=contact.full_name), "success")
    return redirect(url_for("colleagues.index"))


@bp.post("/company/contacts/<id:contact_id>/role")
@login_required
@company_admin_required
def role(contact_id):
    """Change a colleague's role."""
    form = RoleForm(prefix=f"c{contact_id}")
    if form.validate_on_submit():
        try:
            contact = colleagues.change_colleague_role(scope(), contact_id, form.role.data,
                                                       client_ip())
        except NotFoundError:
            raise  # another customer's contact and a missing one: the same 404
        except DoorstepError as error:
            flash(translated(error), "error")
        else:
            flash(_("%(name)s's role is saved.", name=contact.full_name), "success")
    else:
        flash(_("Choose one of the roles."), "error")
    return redirect(url_for("colleagues.index"))


@bp.post("/company/contacts/<id:contact_id>/remove")
@login_required
@company_admin_required
def remove(contact_id):
    """Take a colleague's portal access away."""
    form = RemoveAccessForm()
    if form.validate_on_submit():
        try:
            contact = colleagues.remove_colleague_access(scope(), contact_id, client_ip())
        except NotFoundError:
            raise
        except DoorstepError as error:
            flash(translated(error), "error")
        else:
            flash(_("%(name)s no longer has access to the portal.", name=contact.full_name),
                  "success")
    return redirect(url_for("colleagues.index"))
