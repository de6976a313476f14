import HandoffCore
import HandoffOpenAPI

extension APIHandlers {
    func createCalendar(_ input: Operations.CreateCalendar.Input) async throws -> Operations.CreateCalendar.Output {
        .created(.init(body: .json(try wire(await createConfig(CalendarConfigInput.self, CalendarConfig.make)))))
    }

    func listCalendars(_ input: Operations.ListCalendars.Input) async throws -> Operations.ListCalendars.Output {
        let (records, next) = try await listConfig(CalendarConfig.self, limit: input.query.limit, cursor: input.query.cursor)
        return .ok(.init(body: .json(.init(data: try records.map { try wire($0) }, nextCursor: .init(next)))))
    }

    func getCalendar(_ input: Operations.GetCalendar.Input) async throws -> Operations.GetCalendar.Output {
        .ok(.init(body: .json(try wire(await getConfig(CalendarConfig.self, id: input.path.id)))))
    }

    func updateCalendar(_ input: Operations.UpdateCalendar.Input) async throws -> Operations.UpdateCalendar.Output {
        .ok(.init(body: .json(try wire(await updateConfig(CalendarConfigInput.self, id: input.path.id, CalendarConfig.make)))))
    }

    func deleteCalendar(_ input: Operations.DeleteCalendar.Input) async throws -> Operations.DeleteCalendar.Output {
        try await deleteConfig(.calendar, id: input.path.id)
        return .noContent(.init())
    }
}
